"""Matching netvigil's events with another observatory's, and the figures each way."""

from __future__ import annotations

import numpy as np

from netvigil.detect.compare import compare, episodes, scope_of, spans_meet, verdict_events
from netvigil.model.events import Event
from netvigil.model.foreign import ForeignEvent

H = 3600


def ours(entity: str, start: int, end: int | None) -> Event:
    return Event(f"{entity}-{start}", entity, entity, "blackout", "national", start, end, 3.0, ("a",), 0.9)


def theirs(entity: str, start: int, end: int | None, kind: str = "event:ping-slash24.median") -> ForeignEvent:
    return ForeignEvent("ioda", entity, start, end, kind, f"{entity}/{kind}/{start}")


def test_spans_meet_with_slack_and_open_ends() -> None:
    assert spans_meet(0, 10, 10, 20, 0) is False and spans_meet(0, 10, 10, 20, 1) is True
    assert spans_meet(0, None, 100, 200, 0) and spans_meet(300, 400, 100, None, 0)


def test_one_outage_told_per_datasource_and_by_alerts_is_one_episode() -> None:
    told = [
        theirs("country:KZ", 10 * H, 100 * H),
        theirs("country:KZ", 10 * H, 100 * H, "event:bgp.median"),
        theirs("country:KZ", 10 * H, 10 * H, "alert:bgp.median"),
        theirs("country:KZ", 300 * H, 301 * H),
        theirs("asn:1", 10 * H, 20 * H),
    ]
    found = episodes(told)
    assert [(e.entity, e.start, e.end, len(e.events)) for e in found] == [
        ("asn:1", 10 * H, 20 * H, 1), ("country:KZ", 10 * H, 100 * H, 3), ("country:KZ", 300 * H, 301 * H, 1),
    ]  # fmt: skip


def test_agreement_and_what_each_side_alone_saw() -> None:
    mine = [ours("country:KZ", 11 * H, 99 * H), ours("country:KZ", 500 * H, 501 * H), ours("asn:2", 0, H)]
    told = [theirs("country:KZ", 10 * H, 100 * H), theirs("country:KZ", 300 * H, 301 * H)]
    result = compare("ioda", mine, told)
    assert [(m.event.start, m.episode.start) for m in result.matches] == [(11 * H, 10 * H)]
    assert [e.start for e in result.only_ours] == [500 * H, 0]
    assert [e.start for e in result.only_theirs] == [300 * H]
    assert result.precision == 1 / 3 and result.recall == 1 / 2
    assert result.median_start_delta == H


def test_the_closest_event_gives_the_start_delta() -> None:
    mine = [ours("country:KZ", 0, 10 * H), ours("country:KZ", 10 * H, 100 * H)]
    result = compare("ioda", mine, [theirs("country:KZ", 10 * H + 1800, 100 * H)])
    assert len(result.matches) == 2 and result.median_start_delta == -1800


def test_an_episode_that_began_with_our_first_event_is_timed_from_it() -> None:
    """A mobile cut escalating into a blackout: they told both as one episode; we split them."""
    mine = [ours("country:KZ", 10 * H, 28 * H), ours("country:KZ", 28 * H, 160 * H)]
    result = compare("ioda", mine, [theirs("country:KZ", 10 * H - 600, 160 * H)])
    assert len(result.matches) == 2 and result.median_start_delta == 600


def test_nothing_on_either_side_has_no_figures() -> None:
    result = compare("ioda", [], [theirs("country:KZ", 0, H, kind="x")], slack=0)
    assert result.precision is None and result.recall == 0.0 and result.median_start_delta is None


def test_oonis_verdicts_become_hours_of_anomalies() -> None:
    times = np.array([0, H, 2 * H, 3 * H], dtype=np.int64)
    tested = np.array([10.0, 10.0, 2.0, 10.0])
    bad = np.array([2.0, 6.0, 2.0, 5.0])
    found = verdict_events("ooni", "country:KZ", times, tested, bad)
    assert [(e.start, e.end) for e in found] == [(H, 2 * H), (3 * H, 4 * H)]
    assert [(e.start, e.end) for e in episodes(found)] == [(H, 4 * H)]


def test_a_service_event_counts_for_the_network_it_was_seen_in() -> None:
    seen = ours("service:telegram@country:KZ", 0, H)
    assert scope_of(seen).entity == "country:KZ" and scope_of(seen).id == seen.id
    assert scope_of(ours("asn:1", 0, H)).entity == "asn:1"
