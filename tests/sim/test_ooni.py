"""The demo path: a small Timeline becomes OONI measurements, the real importer, signals and events."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from netvigil.detect.services import detect_service_events
from netvigil.pipeline.demo import replay_ooni
from netvigil.pipeline.measurements import search_measurements
from netvigil.sim import kazakhstan
from netvigil.store import open_store

DAY = 86_400
START = 1_640_476_800  # 2021-12-26T00:00Z
BLOCK = (START + 3 * DAY, START + 3 * DAY + 10 * 3600)  # WhatsApp blocked on Kcell for 10 h
BLACKOUT = (START + 5 * DAY, START + 5 * DAY + 8 * 3600)  # all of Kcell down for 8 h


class SmallTimeline:
    """Two operators; Kcell loses WhatsApp for 10 hours, then all connectivity for 8 hours."""

    start = START
    end = START + 7 * DAY
    step = 300

    def entities(self) -> Sequence[str]:
        return ["country:KZ", "asn:29355", "asn:9198"]

    def connectivity(self, entity: str, time: int) -> float:
        if entity == "asn:29355" and BLACKOUT[0] <= time < BLACKOUT[1]:
            return 0.02
        return 1.0

    def routing(self, entity: str, time: int) -> float:
        return 1.0

    def service(self, service: str, entity: str, time: int) -> float:
        level = self.connectivity(entity, time)
        if service == "whatsapp" and entity == "asn:29355" and BLOCK[0] <= time < BLOCK[1]:
            return 0.0
        return 0.98 * level


def test_replay_imports_measurements_and_shows_the_block_not_the_blackout(tmp_path: Path) -> None:
    timeline = SmallTimeline()
    with open_store(tmp_path / "s.duckdb") as store:
        count = replay_ooni(store, timeline, tmp_path / "work", seed=3)
        assert count == 7 * 24 * 4 * 2 * 4  # 7 days x 24 h x 4/h x 2 networks x 4 tests
        assert list((tmp_path / "work").glob("*.jsonl.gz"))
        again = replay_ooni(store, timeline, tmp_path / "work", seed=3)
        assert again == 0  # same ids: nothing new
        late = search_measurements(store, probe_asn=29355, since=BLACKOUT[0], until=BLACKOUT[1], limit=500)
        delays = [r["upload_delay_s"] for r in late]
        assert delays and min(delays) > 60 and max(delays) >= 7 * 3600  # queued until the network was back
        series = {
            s.entity: (s.times, s.values)
            for s in store.read_series(signals=["reachability"])
            if s.entity.startswith("service:") and "@asn:" in s.entity
        }
    assert np.nanmin(series["service:whatsapp@asn:29355"][1]) == 0.0

    def network_up(scope: str, t: int) -> bool:
        return timeline.connectivity(scope, t) > 0.5

    events = detect_service_events(series, network_up, 3600)
    assert [(e.entity, e.kind) for e in events] == [("service:whatsapp@asn:29355", "service_blocking")]
    assert events[0].start == BLOCK[0] and events[0].end == BLOCK[1]


def test_kazakhstan_messenger_restrictions_appear_as_service_events(tmp_path: Path) -> None:
    timeline = kazakhstan.timeline()
    with open_store(tmp_path / "kz.duckdb") as store:
        assert replay_ooni(store, timeline, tmp_path / "work") > 20_000
        series = {
            s.entity: (s.times, s.values)
            for s in store.read_series(signals=["reachability"])
            if s.entity.startswith("service:")
        }

    def normal(scope: str, t: int) -> bool:
        return timeline.connectivity(scope, t) > 0.8

    events = {(e.entity, e.kind): e for e in detect_service_events(series, normal, 3600)}
    restrictions_start = kazakhstan.MESSENGERS_BLOCKED
    for service in ("telegram", "signal"):
        event = events[(f"service:{service}@country:KZ", "service_blocking")]
        assert event.start == restrictions_start and event.services == (service,)
    assert ("service:whatsapp@country:KZ", "service_blocking") not in events  # Almaty only: partial
    assert not any(e.entity.startswith("service:web") for e in events.values())
