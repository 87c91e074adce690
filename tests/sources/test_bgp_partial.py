"""File partials merged in order give exactly the points of one aggregator reading the files."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from netvigil.pipeline.bgp import default_mapper
from netvigil.sources.bgp_partial import PartialMapper, merge_partial, partial_of
from netvigil.sources.bgp_visibility import VisibilityAggregator, VisibilityConfig
from netvigil.sources.mrt import ParseReport, read_routes

MRT = Path(__file__).parents[1] / "fixtures" / "mrt"
UPDATES_2016 = MRT / "ris_updates.20160811.1600.gz"
SETS = {
    "one file three times": [UPDATES_2016] * 3,
    "rib then updates of other years": [
        MRT / "ris_bview.20020722.2337.gz",
        MRT / "ris_rrc15_updates.20100227.1600.gz",
        UPDATES_2016,
        MRT / "bgpkit_example_updates_20240914.bz2",
    ],
}


@pytest.mark.parametrize("full_feed", [400_000, 10, 1000])
@pytest.mark.parametrize("files", list(SETS.values()), ids=list(SETS))
def test_merged_partials_equal_the_single_aggregator_bit_for_bit(files: list[Path], full_feed: int) -> None:
    mapper = default_mapper()
    config = VisibilityConfig(full_feed_v4=full_feed, full_feed_v6=full_feed)
    single = VisibilityAggregator(mapper.entities, "bgp:mrt", config)
    expected = [p for f in files for chunk in single.feed(read_routes(f, ParseReport())) for p in chunk]
    expected += single.flush()
    learnt = PartialMapper(mapper.entities)
    merging = VisibilityAggregator(learnt, "bgp:mrt", config)
    got = []
    for f in files:
        partial = pickle.loads(pickle.dumps(partial_of(read_routes(f, ParseReport()), mapper.entities, 300)))
        learnt.learn(partial)
        got += merge_partial(merging, partial)
    got += merging.flush()
    assert got == expected  # SignalPoint equality compares the float values exactly
    if full_feed < 400_000:
        assert {p.signal for p in got} >= {"bgp", "bgp_updates"}


def test_a_partial_keeps_only_the_announcements_that_change_the_table() -> None:
    partial = partial_of(read_routes(UPDATES_2016, ParseReport()), default_mapper().entities, 300)
    report = ParseReport()
    prefix_operations = sum(len(getattr(r, "prefixes", ())) for r in read_routes(UPDATES_2016, report))
    assert prefix_operations == 41_212
    assert partial.changes == 19_102
    assert [s.bin for s in partial.segments] == [1_470_931_200]
