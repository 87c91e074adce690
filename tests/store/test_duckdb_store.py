import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from netvigil.store.base import IngestRecord
from netvigil.store.migrations import MIGRATIONS

from netvigil.model.errors import InputError, StoreBusyError
from netvigil.model.events import Event, Phase
from netvigil.model.signals import SignalPoint
from netvigil.pipeline.ingest import ingest_signal_file
from netvigil.store import DuckDBStore, EventFilter


def write_csv(path: Path, rows: int, bad_at: int | None = None) -> Path:
    lines = ["time,entity,signal,value"]
    for i in range(rows):
        value = "oops" if bad_at == i else str(1000 + i % 7)
        lines.append(f"{1641000000 + 300 * i},country:KZ,probe,{value}")
    path.write_text("\n".join(lines) + "\n")
    return path


def count(store: DuckDBStore) -> int:
    row = store.cursor().execute("SELECT count(*) FROM signals").fetchone()
    assert row is not None
    return int(row[0])


def test_migrations_run_once_and_in_order(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    with DuckDBStore(path) as store:
        assert store.schema_version() == max(m.version for m in MIGRATIONS)
    with DuckDBStore(path) as again:
        rows = again.cursor().execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert [r[0] for r in rows] == sorted(m.version for m in MIGRATIONS)


def test_a_migration_numbered_below_an_applied_one_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "gap.duckdb"
    middle = sorted(m.version for m in MIGRATIONS)[1]
    with DuckDBStore(path) as store:
        store.cursor().execute("DELETE FROM schema_version WHERE version = ?", [middle])
        assert store.schema_version() == max(m.version for m in MIGRATIONS)
    with DuckDBStore(path) as again:
        versions = [
            r[0] for r in again.cursor().execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        ]
    assert versions == sorted(m.version for m in MIGRATIONS)


def test_ingest_twice_changes_nothing(store: DuckDBStore, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 500)
    first = ingest_signal_file(store, path)
    assert (first.rows, first.skipped) == (500, False)
    second = ingest_signal_file(store, path)
    assert second.skipped and count(store) == 500


def test_overlapping_files_upsert_not_duplicate(store: DuckDBStore, tmp_path: Path) -> None:
    ingest_signal_file(store, write_csv(tmp_path / "a.csv", 100))
    ingest_signal_file(store, write_csv(tmp_path / "b.csv", 150))
    assert count(store) == 150


def test_bad_row_writes_nothing_of_that_file(store: DuckDBStore, tmp_path: Path) -> None:
    ingest_signal_file(store, write_csv(tmp_path / "good.csv", 10))
    bad = write_csv(tmp_path / "bad.csv", 120_000, bad_at=110_000)
    with pytest.raises(InputError) as caught:
        ingest_signal_file(store, bad)
    assert caught.value.line == 110_002
    assert count(store) == 10
    assert store.is_ingested("x" * 64) is None
    ingested = store.cursor().execute("SELECT count(*) FROM ingests").fetchone()
    assert ingested is not None and ingested[0] == 1


def test_interrupted_ingest_can_be_rerun(store: DuckDBStore, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 1000)
    points = [SignalPoint(1641000000 + 300 * i, "country:KZ", "probe", 1.0) for i in range(10)]

    def interrupted() -> object:
        yield points
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.ingest_signals(interrupted(), IngestRecord("f" * 64, str(path), "signals", 0, 0))  # type: ignore[arg-type]
    assert count(store) == 0
    assert ingest_signal_file(store, path).rows == 1000


def test_events_replace_and_filter(store: DuckDBStore) -> None:
    def event(eid: str, entity: str, start: int, end: int | None, parent: str | None = None) -> Event:
        return Event(
            eid,
            entity,
            entity,
            "blackout",
            "national",
            start,
            end,
            3.0,
            ("probe",),
            0.9,
            phases=(Phase(start, end, 3.0, "blackout"),),
            parent_event=parent,
        )

    store.replace_events(
        [
            event("a", "country:KZ", 100, 200),
            event("b", "country:KZ", 300, None),
            event("c", "asn:29355", 300, None, parent="b"),
        ],
        ["country:KZ", "asn:29355"],
    )
    assert [e.id for e in store.read_events(EventFilter(ongoing=True, top_level_only=True))] == ["b"]
    assert {e.id for e in store.read_events(EventFilter(since=250))} == {"b", "c"}
    assert store.get_event("a") == event("a", "country:KZ", 100, 200)
    store.replace_events([event("d", "country:KZ", 400, None)], ["country:KZ"])
    assert {e.id for e in store.read_events(EventFilter())} == {"c", "d"}


def test_readers_keep_working_while_a_writer_ingests(store: DuckDBStore, tmp_path: Path) -> None:
    ingest_signal_file(store, write_csv(tmp_path / "seed.csv", 100))
    big = tmp_path / "big.csv"
    big.write_text(
        "time,entity,signal,value\n"
        + "".join(f"{1641000000 + 60 * i},asn:9198,traffic,{i}\n" for i in range(300_000))
    )
    seen: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                seen.append(count(store))
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    ingest_signal_file(store, big)
    done.set()
    reader.join()
    assert not errors
    assert len(seen) > 5 and set(seen) <= {100, 300_100}


def test_second_process_waits_for_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    holder = DuckDBStore(path)
    code = (
        "import time, sys\n"
        "from netvigil.store import DuckDBStore\n"
        "print('trying', flush=True)\n"
        "t = time.monotonic()\n"
        f"s = DuckDBStore({str(path)!r}, lock_timeout=60)\n"
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
        code = f"from netvigil.store import DuckDBStore\nDuckDBStore({str(path)!r}, lock_timeout=0.5)\n"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
    assert done.returncode != 0 and StoreBusyError.__name__ in done.stderr and "--db" in done.stderr
