"""Other observatories' events and the public sources' fetch manifest, in DuckDB.

Events are keyed by (source, source_id, entity), so fetching an event again (it grew longer, it
ended) replaces it; the manifest is keyed by (source, entity, start, end).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netvigil.model.foreign import FetchRecord, ForeignEvent, Window
from netvigil.store.duckdb.database import Database
from netvigil.store.duckdb.migrations import Migration
from netvigil.store.duckdb.schema import columns_of, create_table_sql, insert_sql, values_of
from netvigil.store.migrations import FOREIGN
from netvigil.store.records import FOREIGN_EVENT_COLUMNS
from netvigil.store.records import foreign_event_of as _event_of
from netvigil.store.records import foreign_event_row as _event_row

_EVENT_COLUMNS = ", ".join(f'"{c.name}"' for c in FOREIGN_EVENT_COLUMNS)
_FETCH_COLUMNS = ", ".join(f'"{c.name}"' for c in columns_of(FetchRecord))


def _tables() -> list[str]:
    return [
        create_table_sql("foreign_events", ForeignEvent, primary_key=("source", "source_id", "entity")),
        create_table_sql("fetches", FetchRecord, primary_key=("source", "entity", "start", "end")),
    ]


MIGRATIONS = (Migration(7, FOREIGN, _tables),)


class ForeignTable:
    """The :class:`~netvigil.store.protocol.ForeignStore` part on DuckDB."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_events(self, events: Sequence[ForeignEvent]) -> int:
        """Store events, replacing a stored one with the same (source, source_id, entity)."""
        if not events:
            return 0
        with self._db.transaction() as cur:
            sql = insert_sql("foreign_events", ForeignEvent, "INSERT OR REPLACE")
            cur.executemany(sql, [_event_row(e) for e in events])
        return len(events)

    def read_events(
        self,
        *,
        source: str | None = None,
        entities: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[ForeignEvent]:
        """Events of ``source`` about ``entities`` overlapping ``[since, until)``, by start."""
        where, args = ["TRUE"], list[Any]()
        if source is not None:
            where.append("source = ?")
            args.append(source)
        if entities is not None:
            if not entities:
                return []
            where.append(f"entity IN ({', '.join('?' for _ in entities)})")
            args.extend(entities)
        if until is not None:
            where.append("start < ?")
            args.append(until)
        if since is not None:
            where.append('("end" IS NULL OR "end" > ?)')
            args.append(since)
        with self._db.reading() as cur:
            rows = cur.execute(
                f"SELECT {_EVENT_COLUMNS} FROM foreign_events WHERE {' AND '.join(where)} "
                "ORDER BY start, source, entity, source_id",
                args,
            ).fetchall()
        return [_event_of(row) for row in rows]

    def record_fetch(self, record: FetchRecord) -> None:
        """Record one fetched window (replacing an earlier, incomplete record of it)."""
        with self._db.transaction() as cur:
            cur.execute(insert_sql("fetches", FetchRecord, "INSERT OR REPLACE"), values_of(record))

    def completed(self, source: str, entity: str, since: int, until: int) -> set[Window]:
        """The windows of ``source`` and ``entity`` inside ``[since, until)`` stored complete."""
        with self._db.reading() as cur:
            rows = cur.execute(
                'SELECT start, "end" FROM fetches WHERE source = ? AND entity = ? AND complete '
                'AND "end" > ? AND start < ?',
                [source, entity, since, until],
            ).fetchall()
        return {Window(start, end) for start, end in rows}

    def fetches(self, source: str | None = None) -> list[FetchRecord]:
        """The manifest (of one source, or all), by source, entity and start."""
        where, args = ("WHERE source = ?", [source]) if source is not None else ("", [])
        with self._db.reading() as cur:
            rows = cur.execute(
                f"SELECT {_FETCH_COLUMNS} FROM fetches {where} ORDER BY source, entity, start", args
            ).fetchall()
        return [FetchRecord(*row) for row in rows]
