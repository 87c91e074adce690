"""The scenario replay: simulated blocks answer by a small timeline of ours, through the real inference."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

import numpy as np

from netvigil.pipeline.demo import replay_blocks, replay_probe
from netvigil.pipeline.probing import SIGNAL
from netvigil.sim.probing import kz_blocks
from netvigil.store import Store, open_store

START = 1_641_340_800  # 2022-01-05T00:00:00Z
CUT, BACK = START + 6 * 3600, START + 12 * 3600


class SmallTimeline:
    """One day; Kcell (asn:29355) dark from 06:00 to 12:00, Almaty at 30 % from 06:00 to 09:00."""

    start = START
    end = START + 86_400
    step = 300

    def entities(self) -> Sequence[str]:
        return ["country:KZ", "region:KZ-75", "asn:29355", "asn:9198"]

    def connectivity(self, entity: str, time: int) -> float:
        inside = CUT <= time < BACK
        if entity == "asn:29355" and inside:
            return 0.0
        if entity == "region:KZ-75" and CUT <= time < CUT + 3 * 3600:
            return 0.3
        if entity == "country:KZ" and inside:
            return 0.75
        return 1.0

    def routing(self, entity: str, time: int) -> float:
        return 1.0

    def service(self, service: str, entity: str, time: int) -> float:
        return 1.0


def series(store: Store, entity: str) -> tuple[np.ndarray, np.ndarray]:
    data = next(store.read_series(entities=[entity], signals=[SIGNAL]))
    return data.times, data.values


def test_replay_writes_probe_signal_on_300s_bins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with open_store(tmp_path / "replay.duckdb") as store:
        written = replay_probe(store, SmallTimeline(), seed=1)
        entities = {info.entity for info in store.list_series() if info.signal == SIGNAL}
        assert {"country:KZ", "asn:9198", "asn:29355", "asn:21299", "asn:48503"} <= entities
        assert {"region:KZ-75", "region:KZ-71", "region:KZ-47"} <= entities
        assert written == sum(info.points for info in store.list_series() if info.signal == SIGNAL)
        times, kcell = series(store, "asn:29355")
        assert times[0] == START and np.all(np.diff(times) == 300) and times[-1] < START + 86_400
        before, during = kcell[times < CUT], kcell[(times >= CUT + 1320) & (times < BACK)]
        after = kcell[times >= BACK + 2640]
        assert before.min() >= 190 and during.max() == 0 and after.min() >= 190
        _, country = series(store, "country:KZ")
        assert country[(times >= CUT + 1320) & (times < BACK)].max() <= 610
        _, telecom = series(store, "asn:9198")
        assert telecom.min() >= 150
        changes = store.probe_changes.read()
        assert any(c.previous == "up" and c.state == "down" and c.entity == "asn:29355" for c in changes)


def test_replay_is_deterministic_for_a_seed() -> None:
    blocks = kz_blocks(random.Random(5), per_asn=20)

    def run() -> list[tuple[int, str, float]]:
        with open_store(":memory:") as store:
            asyncio.run(replay_blocks(store, SmallTimeline(), blocks, seed=5))
            return [
                (int(t), d.entity, float(v))
                for d in store.read_series(signals=[SIGNAL])
                for t, v in zip(d.times, d.values, strict=True)
            ]

    assert run() == run()
