"""ClickHouse-specific behaviour of the chdb backend: engines, partitions, merges, migrations, TTL, limits.

These tests reach ClickHouse itself (``ClickHouseStore`` and its database), which only tests of the
backend may. The protocol's behaviour on chdb and through clickhouse-connect is the store suite.
"""

from pathlib import Path

import pytest

from netvigil.model.errors import StoreError
from netvigil.model.series import IngestRecord
from netvigil.model.signals import SignalPoint
from netvigil.store import open_store
from netvigil.store.clickhouse import ClickHouseStore, open_chdb
from netvigil.store.clickhouse.store import MIGRATIONS

DAY = 86_400
MONTHS = (0, 40 * DAY, 70 * DAY)  # January, February and March 1970


def opened(folder: Path, query: str = "") -> ClickHouseStore:
    return open_chdb(f"chdb://{folder / 'store.chdb'}{query}")


def engine_of(store: ClickHouseStore, table: str) -> tuple[str, str, str]:
    row = store.db.rows(
        "SELECT engine, sorting_key, partition_key FROM system.tables "
        f"WHERE database = currentDatabase() AND name = '{table}'"
    )
    return tuple(row[0])  # type: ignore[return-value]


def test_tables_replace_by_their_natural_key_and_signals_are_monthly(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        assert engine_of(store, "signals") == (
            "ReplacingMergeTree", "entity, signal, time", "toYYYYMM(toDateTime(time))",
        )  # fmt: skip
        assert engine_of(store, "signal_rollups")[1] == "entity, signal, step, time"
        assert engine_of(store, "measurements")[2] == "toYYYYMM(toDateTime(measurement_start_time))"
        store.write_signals([SignalPoint(t, "asn:1", "bgp", 1.0) for t in MONTHS])
        parts = store.db.rows(
            "SELECT DISTINCT partition FROM system.parts WHERE table = 'signals' AND active"
        )
        assert sorted(p[0] for p in parts) == ["197001", "197002", "197003"]


def test_reingest_is_idempotent_before_and_after_merges(tmp_path: Path) -> None:
    points = [SignalPoint(t, "asn:1", "bgp", float(t)) for t in range(0, 3 * DAY, 300)]
    record = IngestRecord("a" * 64, "a.csv", "signals", 0, 0)
    with opened(tmp_path) as store:
        for _ in range(3):
            store.ingest_signals([points], record)
        before = [s.values.tolist() for s in store.read_series()]
        raw = store.db.value("SELECT count() FROM signals")
        store.db.command("OPTIMIZE TABLE signals FINAL")
        merged = store.db.value("SELECT count() FROM signals")
        after = [s.values.tolist() for s in store.read_series()]
    assert raw == 3 * len(points) and merged == len(points)
    assert before == after == [[float(p.time) for p in points]]


def test_a_deletion_survives_merges(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.state.set("k", "v")
        store.alerts.delete_rule("none")
        store.db.command("OPTIMIZE TABLE service_state FINAL")
        assert store.state.get("k") == "v"


def test_migrations_are_recorded_once_with_duckdbs_numbers(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        first = store.db.rows("SELECT version, name FROM schema_version FINAL ORDER BY version")
    with opened(tmp_path) as again:
        assert again.migrate() == 7
        rows = again.db.rows("SELECT version, name FROM schema_version ORDER BY version")
    assert [r[0] for r in first] == sorted({m.version for m in MIGRATIONS}) == [1, 3, 4, 5, 6, 7]
    assert rows == first


def test_raw_ttl_is_off_by_default_and_set_by_the_url(tmp_path: Path) -> None:
    def ttl(store: ClickHouseStore) -> str:
        return str(store.db.value("SELECT create_table_query FROM system.tables WHERE name = 'signals'"))

    with opened(tmp_path) as store:
        assert "TTL" not in ttl(store)
    with opened(tmp_path, "?raw_ttl_days=400") as store:
        assert "TTL toDateTime(time) + toIntervalDay(400)" in ttl(store)
    with opened(tmp_path, "?raw_ttl_days=0") as store:
        assert "TTL" not in ttl(store)


def test_one_chdb_directory_per_process(tmp_path: Path) -> None:
    first = opened(tmp_path / "a")
    with opened(tmp_path / "a") as same:
        assert same.schema_version() == 7
    with pytest.raises(StoreError, match="one directory per process; close that store first"):
        opened(tmp_path / "b")
    first.close()
    with opened(tmp_path / "b") as other:
        assert other.list_series() == []


def test_a_read_only_chdb_store_refuses_writes_and_a_missing_one_says_so(tmp_path: Path) -> None:
    url = f"chdb://{tmp_path / 'store.chdb'}"
    with pytest.raises(StoreError, match="no store at"):
        open_store(url, read_only=True)
    open_store(url).close()
    with open_store(url, read_only=True) as reader, pytest.raises(StoreError, match="read-only"):
        reader.write_signals([SignalPoint(300, "asn:1", "bgp", 1.0)])


def test_an_exception_leaves_no_stage_behind(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.write_signals([SignalPoint(300, "asn:1", "bgp", 1.0)])
            raise RuntimeError("stop")
        tables = store.db.rows("SELECT name FROM system.tables WHERE database = currentDatabase()")
    assert not [t for (t,) in tables if t.startswith("_stage_")]
