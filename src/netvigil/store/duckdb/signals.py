"""Signal points and the record of ingested files, in DuckDB.

Points are staged per chunk through a DataFrame (one ``INSERT`` per chunk) and merged into
``signals`` in the same transaction that records the file, so an ingest is all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from netvigil.model.series import IngestRecord, SeriesData, SeriesInfo
from netvigil.model.signals import SignalPoint
from netvigil.store.duckdb.database import Database
from netvigil.store.duckdb.migrations import CORE, Migration
from netvigil.store.duckdb.schema import create_table_sql


def _tables() -> list[str]:
    return [
        create_table_sql("signals", SignalPoint, primary_key=("entity", "signal", "time")),
        create_table_sql("ingests", IngestRecord, primary_key=("sha256",)),
    ]


MIGRATIONS = (Migration(1, CORE, _tables),)


class SignalTable:
    """The :class:`~netvigil.store.protocol.SignalStore` part on DuckDB."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def is_ingested(self, sha256: str) -> IngestRecord | None:
        """The earlier ingest of these exact bytes, if any."""
        with self._db.reading() as cur:
            row = cur.execute(
                "SELECT sha256, path, kind, rows, ingested_at FROM ingests WHERE sha256 = ?", [sha256]
            ).fetchone()
        return IngestRecord(*row) if row else None

    def ingest_signals(self, chunks: Iterable[Sequence[SignalPoint]], record: IngestRecord) -> int:
        """Stage every chunk, then upsert and record the file in one transaction."""
        return self._upsert(chunks, record)

    def write_signals(self, points: Sequence[SignalPoint]) -> int:
        """Upsert points (last write wins for the same entity, signal and time)."""
        return self._upsert([points], None)

    def _upsert(self, chunks: Iterable[Sequence[SignalPoint]], record: IngestRecord | None) -> int:
        """Stage chunks in a temp table, merge them into ``signals`` (and record the file) atomically."""
        with self._db.transaction() as cur:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS staging AS SELECT * FROM signals LIMIT 0")
            cur.execute("DELETE FROM staging")
            for chunk in chunks:
                _append(cur, "staging", chunk)
            written = _merge_staging(cur)
            if record is not None:
                cur.execute(
                    "INSERT OR REPLACE INTO ingests VALUES (?, ?, ?, ?, ?)",
                    [record.sha256, record.path, record.kind, written, record.ingested_at],
                )
            cur.execute("DELETE FROM staging")
        return written

    def list_series(self, entities: Sequence[str] | None = None) -> list[SeriesInfo]:
        """Every stored series with its point count and time range."""
        sql = "SELECT entity, signal, count(*), min(time), max(time) FROM signals"
        params: list[Any] = []
        if entities:
            sql += " WHERE entity IN (SELECT unnest(?))"
            params.append(list(entities))
        sql += " GROUP BY entity, signal ORDER BY entity, signal"
        with self._db.reading() as cur:
            return [SeriesInfo(*row) for row in cur.execute(sql, params).fetchall()]

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
            with self._db.reading() as cur:
                arrays = cur.execute(sql + " ORDER BY time", params).fetchnumpy()
            if len(arrays["time"]) == 0:
                continue
            yield SeriesData(
                info.entity,
                info.signal,
                np.asarray(arrays["time"], dtype=np.int64),
                np.asarray(arrays["value"], dtype=np.float64),
            )


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


def _merge_staging(cur: duckdb.DuckDBPyConnection) -> int:
    row = cur.execute("SELECT count(*) FROM (SELECT DISTINCT entity, signal, time FROM staging)").fetchone()
    cur.execute(
        "INSERT OR REPLACE INTO signals "
        "SELECT time, entity, signal, last(value ORDER BY rowid) AS value, "
        "last(source ORDER BY rowid) AS source FROM staging GROUP BY entity, signal, time"
    )
    return int(row[0]) if row else 0
