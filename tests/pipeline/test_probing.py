"""The prober's wiring: rounds become stored changes and ``probe`` signal points."""

from __future__ import annotations

from collections import Counter

from netvigil.model.probing import BlockRound
from netvigil.pipeline.probing import SIGNAL, RoundWriter, resample, signal_points
from netvigil.store import open_store


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
