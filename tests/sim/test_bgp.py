"""BGP end to end: simulated collectors → real RIS Live / MRT parsing → visibility → detector."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from netvigil.pipeline.analyse import run_detection
from netvigil.pipeline.demo import replay_bgp
from netvigil.sim.bgp import BACKGROUND, kz_prefixes
from netvigil.sim.kazakhstan import UPDATE_BURST
from netvigil.store import Store, open_store

DAY = 86_400
START = 1641168000  # 2022-01-03T00:00Z: two days of history before the 5 January burst
KZ_ASNS = ("asn:9198", "asn:29355", "asn:21299", "asn:48503")


@dataclass
class SmallTimeline:
    """A test scenario: KZ and its four operators, with the routing share cut in a window."""

    start: int = START
    end: int = START + 3 * DAY
    step: int = 300
    cut: tuple[int, int] = (0, 0)
    cut_routing: float = 1.0
    names: Sequence[str] = field(default_factory=lambda: ["country:KZ", *KZ_ASNS])

    def entities(self) -> Sequence[str]:
        return self.names

    def connectivity(self, entity: str, time: int) -> float:
        return self.routing(entity, time)

    def routing(self, entity: str, time: int) -> float:
        return self.cut_routing if self.cut[0] <= time < self.cut[1] else 1.0

    def service(self, service: str, entity: str, time: int) -> float:
        return 1.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "bgp.duckdb") as handle:
        yield handle


def series(store: Store, entity: str, signal: str) -> tuple[np.ndarray, np.ndarray]:
    data = next(store.read_series([entity], [signal]))
    return data.times, data.values


def test_withdrawing_every_prefix_of_the_country_is_a_national_blackout(
    store: Store, tmp_path: Path
) -> None:
    cut = (START + 2 * DAY + 6 * 3600, START + 2 * DAY + 12 * 3600)
    timeline = SmallTimeline(cut=cut, cut_routing=0.0)
    assert replay_bgp(store, timeline, tmp_path / "work") > 0
    times, values = series(store, "country:KZ", "bgp")
    ordinary = values[times < cut[0]]
    assert ordinary.min() == ordinary.max() > 0  # every KZ /24 equivalent visible
    assert values[(times >= cut[0]) & (times < cut[1] - 300)].max() == 0
    events = run_detection(store)
    national = [e for e in events if e.entity == "country:KZ"]
    assert len(national) == 1, events
    event = national[0]
    assert event.kind == "blackout" and event.scope == "national"
    assert abs(event.start - cut[0]) <= 900
    assert "bgp" in event.signals


def test_an_update_burst_without_withdrawals_is_no_event(store: Store, tmp_path: Path) -> None:
    timeline = SmallTimeline()
    replay_bgp(store, timeline, tmp_path / "work")
    times, updates = series(store, "country:KZ", "bgp_updates")
    in_burst = (times >= UPDATE_BURST[0]) & (times < UPDATE_BURST[1])
    assert updates[in_burst].min() > 50 * max(1.0, float(np.median(updates)))
    _, visible = series(store, "country:KZ", "bgp")
    assert visible.min() == visible.max()
    assert [e for e in run_detection(store) if e.entity == "country:KZ" or e.entity in KZ_ASNS] == []


def test_the_replay_writes_real_prefixes_and_is_ingested_once(store: Store, tmp_path: Path) -> None:
    timeline = SmallTimeline(end=START + DAY, cut=(START + 3600, START + 7200), cut_routing=0.5)
    work = tmp_path / "work"
    first = replay_bgp(store, timeline, work)
    assert first > 0
    assert replay_bgp(store, timeline, work) == 0  # the same bytes again: nothing new
    real = {p for plist in kz_prefixes().values() for p in plist}
    with gzip.open(next(work.glob("ris-live.*.jsonl.gz")), "rt") as handle:
        messages = [json.loads(line)["data"] for line in handle]
    withdrawn = {p for m in messages for p in m.get("withdrawals", [])}
    announced = {p for m in messages for a in m.get("announcements", []) for p in a["prefixes"]}
    assert withdrawn and withdrawn <= real and announced <= real | set(BACKGROUND)
    times, values = series(store, "asn:9198", "bgp")
    assert values[(times >= START + 3600) & (times < START + 7200 - 300)].max() < values[0]
    sources = {s.entity for s in store.list_series()}
    assert sources == {"country:KZ", *KZ_ASNS}
