"""DuckDB-specific behaviour of the embedded backend: its migration table, file locks, cursors.

These tests reach DuckDB itself (``DuckDBStore`` and its cursor), which only tests of the backend may.
"""

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from netvigil.model.errors import StoreBusyError
from netvigil.model.events import Event, EventFilter
from netvigil.store.duckdb import DuckDBStore
from netvigil.store.duckdb.store import MIGRATIONS

VERSIONS = sorted({m.version for m in MIGRATIONS})
OLD_EVENT = Event("e1", "asn:1", "AS1", "outage", "network", 3600, 7200, 5.0, ("bgp",), 0.9)


def test_shipped_migrations_keep_their_numbers_and_names(tmp_path: Path) -> None:
    with DuckDBStore(tmp_path / "m.duckdb") as store:
        rows = store.cursor().execute("SELECT version, name FROM schema_version ORDER BY 1").fetchall()
    assert rows == [
        (1, "signals, ingests and events"),
        (3, "prober block state changes"),
        (4, "OONI-format measurements"),
        (5, "service: API tokens, alert rules and deliveries, roll-ups, service state"),
        (6, "report: analyst cause annotations"),
        (7, "public sources: foreign events and the fetch manifest"),
        (8, "measurements: the region each was taken in (vantage points)"),
        (9, "roll-ups: the coarse tiers kept a year per partition"),
        (10, "events: the cause suggested from the shape"),
    ]


def test_migrations_run_once_and_in_order(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with DuckDBStore(path) as store:
        assert store.schema_version() == max(VERSIONS)
    with DuckDBStore(path) as again:
        rows = again.cursor().execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert [r[0] for r in rows] == VERSIONS


def test_a_migration_numbered_below_an_applied_one_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "gap.duckdb"
    middle = VERSIONS[1]
    with DuckDBStore(path) as store:
        store.cursor().execute("DELETE FROM schema_version WHERE version = ?", [middle])
        assert store.schema_version() == max(VERSIONS)
    with DuckDBStore(path) as again:
        versions = [
            r[0] for r in again.cursor().execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        ]
    assert versions == VERSIONS


def test_second_process_waits_for_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    holder = DuckDBStore(path)
    code = (
        "import time, sys\n"
        "from netvigil.store import open_store\n"
        "print('trying', flush=True)\n"
        "t = time.monotonic()\n"
        f"s = open_store({str(path)!r}, lock_timeout=60)\n"
        "print(round(time.monotonic() - t, 2), flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "trying"
    time.sleep(1.5)
    holder.close()
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and float(out.strip()) >= 1.0


def test_lock_timeout_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "busy.duckdb"
    with DuckDBStore(path):
        code = f"from netvigil.store import open_store\nopen_store({str(path)!r}, lock_timeout=0.5)\n"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
    assert done.returncode != 0 and StoreBusyError.__name__ in done.stderr and "--db" in done.stderr


def test_a_held_store_says_at_once_who_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "busy.duckdb"
    with DuckDBStore(path):
        code = f"from netvigil.store import open_store\nopen_store({str(path)!r})\n"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
    last = done.stderr.strip().splitlines()[-1]
    assert StoreBusyError.__name__ in last and f"process {os.getpid()}" in last
    assert "netvigil serve" in last and "waited 1 s" in last


def test_an_events_table_from_before_the_suggested_cause_gets_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with DuckDBStore(path) as store:
        cur = store.cursor()
        cur.execute("DROP INDEX events_entity")  # DuckDB alters no table an index depends on
        for column in ("suggested_cause", "suggested_reason"):
            cur.execute(f"ALTER TABLE events DROP COLUMN {column}")
        cur.execute("CREATE INDEX events_entity ON events (entity)")
        cur.execute("DELETE FROM schema_version WHERE version = 10")
    suggested = replace(OLD_EVENT, suggested_cause="power_outage", suggested_reason="a ragged recovery")
    with DuckDBStore(path) as store:
        assert store.schema_version() == 10
        store.replace_events([suggested], [suggested.entity])
        assert store.read_events(EventFilter()) == [suggested]
