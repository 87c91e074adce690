"""The embedded default store: one DuckDB file.

Concurrency: inside one process any number of threads read through their own cursor while one
writes (DuckDB's MVCC gives readers a consistent snapshot). Across processes DuckDB lets one
process hold the file for writing; a second process waits for the lock with backoff (up to
``lock_timeout`` seconds) instead of failing, and writers keep their transactions short (a file
is parsed and validated before the lock-holding transaction starts).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from netvigil.model.errors import StoreBusyError, StoreError
from netvigil.model.events import Event, Phase
from netvigil.model.signals import SignalPoint
from netvigil.store.base import EventFilter, IngestRecord, SeriesData, SeriesInfo
from netvigil.store.migrations import MIGRATIONS
from netvigil.store.schema import columns_of

ENV_DB = "NETVIGIL_DB"
_EVENT_COLUMNS = columns_of(Event)


def default_db_path() -> Path:
    """``$NETVIGIL_DB``, else ``$XDG_DATA_HOME/netvigil/netvigil.duckdb`` (``~/.local/share``)."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "netvigil" / "netvigil.duckdb"


def _connect(path: str, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_timeout
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open store {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"store {path} is held by another netvigil process for writing; "
                    f"waited {lock_timeout:.0f} s. Stop it or point --db at another file."
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


class DuckDBStore:
    """The :class:`~netvigil.store.base.Store` on an embedded DuckDB file (``:memory:`` works too)."""

    def __init__(
        self, path: str | Path = ":memory:", *, read_only: bool = False, lock_timeout: float = 30.0
    ) -> None:
        self.path = str(path)
        if self.path != ":memory:" and not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreError(f"no store at {self.path}; ingest something first or pass --db")
        self.read_only = read_only
        self._conn = _connect(self.path, read_only, lock_timeout)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        if not read_only:
            self.migrate()

    # -- connection handling -------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Return this thread's own cursor on the shared database (threads must not share one)."""
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._conn.cursor()
            self._local.cursor = cur
        return cur

    def close(self) -> None:
        """Close the database; every cursor becomes unusable."""
        self._conn.close()

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The highest migration applied (0 for an empty file)."""
        cur = self.cursor()
        exists = cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = cur.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def migrate(self) -> int:
        """Apply every migration not yet recorded, in order, each in its own transaction.

        Applied versions are tracked one by one (not only the highest), so a store never misses a
        migration that was numbered below one it already has.
        """
        cur = self.cursor()
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version BIGINT PRIMARY KEY, name VARCHAR NOT NULL, applied_at BIGINT NOT NULL)"
        )
        applied = {int(row[0]) for row in cur.execute("SELECT version FROM schema_version").fetchall()}
        for migration in sorted(MIGRATIONS, key=lambda m: m.version):
            if migration.version in applied:
                continue
            cur.execute("BEGIN TRANSACTION")
            try:
                for statement in migration.statements():
                    cur.execute(statement)
                cur.execute(
                    "INSERT INTO schema_version VALUES (?, ?, ?)",
                    [migration.version, migration.name, int(time.time())],
                )
                cur.execute("COMMIT")
            except Exception:
                cur.execute("ROLLBACK")
                raise
        return self.schema_version()

    # -- signals --------------------------------------------------------------------------
    def is_ingested(self, sha256: str) -> IngestRecord | None:
        """The earlier ingest of these exact bytes, if any."""
        row = (
            self.cursor()
            .execute("SELECT sha256, path, kind, rows, ingested_at FROM ingests WHERE sha256 = ?", [sha256])
            .fetchone()
        )
        return IngestRecord(*row) if row else None

    def ingest_signals(self, chunks: Iterable[Sequence[SignalPoint]], record: IngestRecord) -> int:
        """Stage every chunk, then upsert and record the file in one transaction."""
        return self._upsert(chunks, record)

    def write_signals(self, points: Sequence[SignalPoint]) -> int:
        """Upsert points (last write wins for the same entity, signal and time)."""
        return self._upsert([points], None)

    def ingest_many(self, chunks: Iterable[Sequence[SignalPoint]]) -> int:
        """Upsert several chunks in one transaction, without a file record."""
        return self._upsert(chunks, None)

    def _upsert(self, chunks: Iterable[Sequence[SignalPoint]], record: IngestRecord | None) -> int:
        """Stage chunks in a temp table, merge them into ``signals`` (and record the file) atomically."""
        with self._write_lock:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute("CREATE TEMP TABLE IF NOT EXISTS staging AS SELECT * FROM signals LIMIT 0")
                cur.execute("DELETE FROM staging")
                for chunk in chunks:
                    self._append(cur, "staging", chunk)
                written = self._merge_staging(cur)
                if record is not None:
                    cur.execute(
                        "INSERT OR REPLACE INTO ingests VALUES (?, ?, ?, ?, ?)",
                        [record.sha256, record.path, record.kind, written, record.ingested_at],
                    )
                cur.execute("DELETE FROM staging")
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return written

    @staticmethod
    def _append(cur: duckdb.DuckDBPyConnection, table: str, chunk: Sequence[SignalPoint]) -> None:
        if not chunk:
            return
        frame = pd.DataFrame(
            {
                "time": np.fromiter((p.time for p in chunk), dtype=np.int64, count=len(chunk)),
                "entity": [p.entity for p in chunk],
                "signal": [p.signal for p in chunk],
                "value": np.fromiter((p.value for p in chunk), dtype=np.float64, count=len(chunk)),
                "source": [p.source for p in chunk],
            }
        )
        cur.register("chunk_frame", frame)
        try:
            cur.execute(f"INSERT INTO {table} SELECT time, entity, signal, value, source FROM chunk_frame")
        finally:
            cur.unregister("chunk_frame")

    @staticmethod
    def _merge_staging(cur: duckdb.DuckDBPyConnection) -> int:
        row = cur.execute(
            "SELECT count(*) FROM (SELECT DISTINCT entity, signal, time FROM staging)"
        ).fetchone()
        cur.execute(
            "INSERT OR REPLACE INTO signals "
            "SELECT time, entity, signal, last(value ORDER BY rowid) AS value, "
            "last(source ORDER BY rowid) AS source FROM staging GROUP BY entity, signal, time"
        )
        return int(row[0]) if row else 0

    def list_series(self, entities: Sequence[str] | None = None) -> list[SeriesInfo]:
        """Every stored series with its point count and time range."""
        sql = "SELECT entity, signal, count(*), min(time), max(time) FROM signals"
        params: list[Any] = []
        if entities:
            sql += " WHERE entity IN (SELECT unnest(?))"
            params.append(list(entities))
        sql += " GROUP BY entity, signal ORDER BY entity, signal"
        return [SeriesInfo(*row) for row in self.cursor().execute(sql, params).fetchall()]

    def read_series(
        self,
        entities: Sequence[str] | None = None,
        signals: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> Iterator[SeriesData]:
        """Series one by one (each fetched as numpy arrays), points sorted by time."""
        for info in self.list_series(entities):
            if signals and info.signal not in signals:
                continue
            sql = "SELECT time, value FROM signals WHERE entity = ? AND signal = ?"
            params: list[Any] = [info.entity, info.signal]
            if since is not None:
                sql += " AND time >= ?"
                params.append(since)
            if until is not None:
                sql += " AND time < ?"
                params.append(until)
            arrays = self.cursor().execute(sql + " ORDER BY time", params).fetchnumpy()
            if len(arrays["time"]) == 0:
                continue
            yield SeriesData(
                info.entity,
                info.signal,
                np.asarray(arrays["time"], dtype=np.int64),
                np.asarray(arrays["value"], dtype=np.float64),
            )

    # -- events ---------------------------------------------------------------------------
    def replace_events(self, events: Iterable[Event], entities: Sequence[str]) -> int:
        """Delete the events of ``entities`` and insert ``events``, atomically."""
        rows = [_event_row(e) for e in events]
        placeholders = ", ".join("?" for _ in _EVENT_COLUMNS)
        with self._write_lock:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                if entities:
                    cur.execute("DELETE FROM events WHERE entity IN (SELECT unnest(?))", [list(entities)])
                if rows:
                    cur.executemany(f"INSERT OR REPLACE INTO events VALUES ({placeholders})", rows)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return len(rows)

    def read_events(self, where: EventFilter) -> list[Event]:
        """Stored events matching ``where``, newest start first."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, values in (
            ("entity", where.entities),
            ("kind", where.kinds),
            ("scope", where.scopes),
        ):
            if values:
                clauses.append(f"{column} IN (SELECT unnest(?))")
                params.append(list(values))
        if where.since is not None:
            clauses.append('("end" IS NULL OR "end" >= ?)')
            params.append(where.since)
        if where.until is not None:
            clauses.append('"start" < ?')
            params.append(where.until)
        if where.ongoing is not None:
            clauses.append('"end" IS NULL' if where.ongoing else '"end" IS NOT NULL')
        if where.top_level_only:
            clauses.append("parent_event IS NULL")
        sql = "SELECT * FROM events"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += ' ORDER BY "start" DESC, entity'
        if where.limit is not None:
            sql += f" LIMIT {int(where.limit)}"
        return [_event_from_row(r) for r in self.cursor().execute(sql, params).fetchall()]

    def get_event(self, event_id: str) -> Event | None:
        """One event by id."""
        row = self.cursor().execute("SELECT * FROM events WHERE id = ?", [event_id]).fetchone()
        return _event_from_row(row) if row else None


def _event_row(event: Event) -> list[Any]:
    body = event.to_json()
    row: list[Any] = []
    for column in _EVENT_COLUMNS:
        if column.json:
            row.append(json.dumps(body[column.name]))
        else:
            row.append(getattr(event, column.name))
    return row


def _event_from_row(row: Sequence[Any]) -> Event:
    data: dict[str, Any] = {}
    for column, value in zip(_EVENT_COLUMNS, row, strict=True):
        if not column.json:
            data[column.name] = value
        elif column.name == "phases":
            data[column.name] = tuple(Phase.from_json(p) for p in json.loads(value))
        else:
            data[column.name] = tuple(json.loads(value))
    return Event(**data)


def open_store(db: str | Path | None, *, read_only: bool = False, lock_timeout: float = 30.0) -> DuckDBStore:
    """Open the store at ``db`` (or the default path) — the one way the CLI and services open one."""
    return DuckDBStore(db or default_db_path(), read_only=read_only, lock_timeout=lock_timeout)
