"""The scenario replay: simulated blocks answer by a small timeline of ours, through the real inference."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Sequence

import numpy as np

from netvigil.model.probing import BlockRound
from netvigil.pipeline.probing import (
    SIGNAL,
    RoundWriter,
    kz_blocks,
    replay_blocks,
    replay_timeline,
    resample,
    signal_points,
)
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
        written = replay_timeline(store, SmallTimeline(), seed=1)
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


def test_resample_holds_the_last_round() -> None:
    rounds = [(100, Counter({"asn:1": 3})), (760, Counter({"asn:1": 1}))]
    points = resample(rounds, 100, 1300, 300)
    assert [(p.time, p.value) for p in points] == [(100, 3.0), (400, 3.0), (700, 3.0), (1000, 1.0)]


def test_round_writer_stores_changes_only_and_survives_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    entities = {"127.1.2.0/24": ("asn:64500",), "127.1.3.0/24": ("asn:64500",)}

    def round_(n: int, second: str) -> list[BlockRound]:
        return [
            BlockRound(n, 1000 + n, "127.1.2.0/24", "up", 0.99, 1),
            BlockRound(n, 1000 + n, "127.1.3.0/24", second, 0.05, 12),  # type: ignore[arg-type]
        ]

    with open_store(tmp_path / "w.duckdb") as store:
        writer = RoundWriter(store, entities, "lab")
        for n, state in enumerate(["up", "up", "down", "down"], start=1):
            writer(round_(n, state))
        assert writer.changes == 3
        restarted = RoundWriter(store, entities, "lab", previous=store.probe_changes.latest_states("lab"))
        restarted(round_(5, "down"))
        assert restarted.changes == 0
        values = [p.value for p in signal_points(round_(9, "down"), entities, 1009)]
        assert values == [1.0]
        stored = next(store.read_series(entities=["asn:64500"], signals=[SIGNAL]))
        assert list(stored.values) == [2.0, 2.0, 1.0, 1.0, 1.0]
