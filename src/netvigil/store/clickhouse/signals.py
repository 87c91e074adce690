"""Signal points and the record of ingested files, in ClickHouse.

``signals`` is ordered by (entity, signal, time) and partitioned by month; re-ingesting a point
replaces it (last write wins). A chunk is one Arrow insert into the transaction's stage; the file
record is written in the same transaction, so an ingest is all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from netvigil.model.series import IngestRecord, SeriesData, SeriesInfo
from netvigil.model.signals import SignalPoint
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import Table, in_list, lit, month_of
from netvigil.store.migrations import CORE, Migration

SIGNALS = Table.of("signals", SignalPoint, ("entity", "signal", "time"), month_of("time"))
INGESTS = Table.of("ingests", IngestRecord, ("sha256",))
TABLES = (SIGNALS, INGESTS)
MIGRATIONS = (Migration(1, CORE, lambda: [t.ddl() for t in TABLES]),)


def _chunk_columns(chunk: Sequence[SignalPoint]) -> dict[str, object]:
    """A chunk as columns, a key repeated inside it kept once (its last point, as DuckDB does)."""
    frame = pd.DataFrame(
        {
            "time": np.fromiter((p.time for p in chunk), dtype=np.int64, count=len(chunk)),
            "entity": [p.entity for p in chunk],
            "signal": [p.signal for p in chunk],
            "value": np.fromiter((p.value for p in chunk), dtype=np.float64, count=len(chunk)),
            "source": [p.source for p in chunk],
        }
    ).drop_duplicates(subset=["entity", "signal", "time"], keep="last")
    return {name: frame[name].to_numpy() for name in SIGNALS.names}


class SignalTable:
    """The :class:`~netvigil.store.protocol.SignalStore` part on ClickHouse."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def is_ingested(self, sha256: str) -> IngestRecord | None:
        """The earlier ingest of these exact bytes, if any."""
        rows = self._db.rows(
            f"SELECT {INGESTS.select_list()} FROM {self._db.source('ingests')} WHERE sha256 = {lit(sha256)}"
        )
        return IngestRecord(*rows[0]) if rows else None

    def ingest_signals(self, chunks: Iterable[Sequence[SignalPoint]], record: IngestRecord) -> int:
        """Stage every chunk and the file record; both reach the live tables together."""
        return self._upsert(chunks, record)

    def write_signals(self, points: Sequence[SignalPoint]) -> int:
        """Upsert points (last write wins for the same entity, signal and time)."""
        return self._upsert([points], None)

    def _upsert(self, chunks: Iterable[Sequence[SignalPoint]], record: IngestRecord | None) -> int:
        with self._db.transaction():
            for chunk in chunks:
                if chunk:
                    self._db.insert("signals", _chunk_columns(chunk))
            written = self._db.staged_keys("signals")
            if record is not None:
                row = [record.sha256, record.path, record.kind, written, record.ingested_at]
                self._db.insert("ingests", {n: [v] for n, v in zip(INGESTS.names, row, strict=True)})
        return written

    def list_series(self, entities: Sequence[str] | None = None) -> list[SeriesInfo]:
        """Every stored series with its point count and time range."""
        where = f" WHERE {in_list('entity', entities)}" if entities else ""
        rows = self._db.rows(
            f"SELECT entity, signal, count(), min(time), max(time) FROM {self._db.source('signals')}"
            f"{where} GROUP BY entity, signal ORDER BY entity, signal"
        )
        return [SeriesInfo(*row) for row in rows]

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
            where = f"entity = {lit(info.entity)} AND signal = {lit(info.signal)}"
            if since is not None:
                where += f" AND time >= {lit(since)}"
            if until is not None:
                where += f" AND time < {lit(until)}"
            got = self._db.frame(
                f"SELECT time, value FROM {self._db.source('signals')} WHERE {where} ORDER BY time"
            )
            if got.empty:
                continue
            yield SeriesData(
                info.entity,
                info.signal,
                got["time"].to_numpy(dtype=np.int64),
                got["value"].to_numpy(dtype=np.float64),
            )
