"""ClickHouse-specific behaviour of the chdb backend: engines, partitions, merges, migrations, TTL, limits.

These tests reach ClickHouse itself (``ClickHouseStore`` and its database), which only tests of the
backend may. The protocol's behaviour on chdb and through clickhouse-connect is the store suite.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from netvigil.model.errors import ConfigError, StoreError
from netvigil.model.events import Event, EventFilter
from netvigil.model.series import IngestRecord
from netvigil.model.signals import SignalPoint
from netvigil.pipeline.rollups import ensure_rollups, rebuild_rollups
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
        assert again.migrate() == 10
        rows = again.db.rows("SELECT version, name FROM schema_version ORDER BY version")
    assert [r[0] for r in first] == sorted({m.version for m in MIGRATIONS}) == [1, 3, 4, 5, 6, 7, 8, 9, 10]
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
        assert same.schema_version() == 10
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


def active_parts(store: ClickHouseStore, table: str) -> dict[str, int]:
    rows = store.db.rows(
        "SELECT partition_id, count() FROM system.parts WHERE database = currentDatabase() "
        f"AND table = '{table}' AND active GROUP BY partition_id"
    )
    return {str(p): int(n) for p, n in rows}


def outage(entity: str) -> Event:
    return Event(f"{entity}-x", entity, entity, "outage", "network", DAY, 2 * DAY, 5.0, ("bgp",), 0.9)


def test_rollups_after_a_rebuild_and_events_after_each_write_are_one_part_per_partition(
    tmp_path: Path,
) -> None:
    points = [SignalPoint(t, e, "bgp", 1.0) for t in range(0, 70 * DAY, 3600) for e in ("asn:1", "asn:2")]
    with opened(tmp_path) as store:
        store.write_signals(points)
        rebuild_rollups(store)
        rebuild_rollups(store, 40 * DAY)
        for entity in ("asn:1", "asn:2", "asn:1"):
            store.replace_events([outage(entity)], [entity])
        rollups, events = active_parts(store, "signal_rollups"), active_parts(store, "events")
        view = store.rollups.series_view("asn:1", "bgp", 0, 70 * DAY, 70)
    assert sorted(rollups) == ["1970", "197001", "197002", "197003"] and set(rollups.values()) == {1}
    assert events == {"all": 1}
    assert len(view.times) == 70 and set(view.values.tolist()) == {1.0}


def test_the_half_daily_and_daily_tiers_are_kept_a_year_per_partition(tmp_path: Path) -> None:
    points = [SignalPoint(t, "asn:1", "bgp", 1.0) for t in range(0, 70 * DAY, 3600)]
    with opened(tmp_path) as store:
        store.write_signals(points)
        rebuild_rollups(store)
        rows = store.db.rows(
            "SELECT step, groupUniqArray(_partition_id) FROM signal_rollups GROUP BY step ORDER BY step"
        )
    assert [(step, sorted(parts)) for step, parts in rows] == [
        (1800, ["197001", "197002", "197003"]),
        (3600, ["197001", "197002", "197003"]),
        (43_200, ["1970"]),
        (86_400, ["1970"]),
    ]


def test_migration_9_rebuilds_the_rollups_of_an_older_store_the_same(tmp_path: Path) -> None:
    points = [SignalPoint(t, "asn:1", "bgp", float(t % 7)) for t in range(0, 40 * DAY, 300)]
    with opened(tmp_path) as store:
        store.write_signals(points)
        rebuild_rollups(store)
        before = store.rollups.series_views(["asn:1"], ["bgp"], 0, 40 * DAY, 40, percent=True)
        store.db.command("ALTER TABLE schema_version DELETE WHERE version = 9 SETTINGS mutations_sync = 1")
    with opened(tmp_path) as older:
        assert older.schema_version() == 10 and not older.rollups.fresh()
        assert ensure_rollups(older)
        after = older.rollups.series_views(["asn:1"], ["bgp"], 0, 40 * DAY, 40, percent=True)
    assert len(after) == len(before) == 1 and len(before[0].times) == 40
    assert np.array_equal(after[0].values, before[0].values, equal_nan=True)


def test_remembered_series_and_state_follow_every_write(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.rollups.refresh()
        assert store.rollups.signals_of(["asn:1"]) == {"asn:1": []}
        assert store.rollups.stored_entities() == [] and store.rollups.latest_time() is None
        store.write_signals([SignalPoint(3600, "asn:1", "bgp", 1.0)])
        store.rollups.refresh()
        assert store.rollups.signals_of(["asn:1"]) == {"asn:1": ["bgp"]}
        assert store.rollups.stored_entities() == ["asn:1"] and store.rollups.latest_time() == 3600
        with store.transaction():
            store.write_signals([SignalPoint(3600, "asn:2", "probe", 1.0)])
            store.rollups.refresh()
            assert store.rollups.stored_entities() == ["asn:1", "asn:2"]
        assert store.rollups.signals_of(["asn:2", "asn:1"]) == {"asn:2": ["probe"], "asn:1": ["bgp"]}


def test_reads_from_many_threads_at_once_agree_with_one_thread(tmp_path: Path) -> None:
    points = [SignalPoint(t, f"asn:{e}", "bgp", float(e)) for t in range(0, 20 * DAY, 3600) for e in range(8)]
    with opened(tmp_path) as store:
        store.write_signals(points)
        store.rollups.refresh()

        def view(e: int) -> list[float]:
            return store.rollups.series_view(f"asn:{e}", "bgp", 0, 20 * DAY, 20).values.tolist()

        alone = [view(e) for e in range(8)]
        with ThreadPoolExecutor(8) as pool:
            together = list(pool.map(view, [e % 8 for e in range(64)]))
    assert together == [alone[e % 8] for e in range(64)]


def test_a_server_that_does_not_answer_is_one_sentence_saying_what_to_check() -> None:
    with pytest.raises(StoreError) as raised:
        open_store("clickhouse://127.0.0.1:1/netvigil")
    message = str(raised.value)
    assert message.startswith("cannot reach the ClickHouse server of clickhouse://127.0.0.1:1/netvigil: ")
    assert "Connection refused" in message and "check the host and port" in message
    assert "\n" not in message and "HTTPConnectionPool" not in message


@pytest.mark.parametrize("name", ["bad-name;drop", "a`b", "x y"])
def test_a_database_name_that_is_not_an_identifier_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="database is a name of letters, digits and _"):
        open_store(f"clickhouse://127.0.0.1:1/{name}")


def test_an_events_table_from_before_the_suggested_cause_gets_its_columns(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        for column in ("suggested_cause", "suggested_reason"):
            store.db.command(f"ALTER TABLE events DROP COLUMN {column}")
        store.db.command("ALTER TABLE schema_version DELETE WHERE version = 10 SETTINGS mutations_sync = 1")
    suggested = replace(outage("asn:1"), suggested_cause="cable_cut", suggested_reason="routes kept")
    with opened(tmp_path) as store:
        assert store.schema_version() == 10
        store.replace_events([suggested], ["asn:1"])
        assert store.read_events(EventFilter()) == [suggested]
