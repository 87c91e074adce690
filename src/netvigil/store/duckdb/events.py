"""Detected events in DuckDB: one row per event, tuple fields as JSON text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from netvigil.model.events import Event, EventFilter
from netvigil.store.duckdb.database import Database
from netvigil.store.duckdb.migrations import CORE, Migration
from netvigil.store.duckdb.schema import create_table_sql
from netvigil.store.migrations import SUGGESTED_CAUSE, SUGGESTED_CAUSE_COLUMNS
from netvigil.store.records import EVENT_COLUMNS as _EVENT_COLUMNS
from netvigil.store.records import event_of as _event_from_row
from netvigil.store.records import event_row as _event_row


def _tables() -> list[str]:
    return [
        create_table_sql("events", Event, primary_key=("id",)),
        "CREATE INDEX IF NOT EXISTS events_entity ON events (entity)",
    ]


def _suggested_cause() -> list[str]:
    return [f'ALTER TABLE events ADD COLUMN IF NOT EXISTS "{c}" VARCHAR' for c in SUGGESTED_CAUSE_COLUMNS]


MIGRATIONS = (Migration(1, CORE, _tables), Migration(10, SUGGESTED_CAUSE, _suggested_cause))


class EventTable:
    """The :class:`~netvigil.store.protocol.EventStore` part on DuckDB."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def replace_events(self, events: Iterable[Event], entities: Sequence[str]) -> int:
        """Delete the events of ``entities`` and insert ``events``, atomically."""
        rows = [_event_row(e) for e in events]
        placeholders = ", ".join("?" for _ in _EVENT_COLUMNS)
        with self._db.transaction() as cur:
            if entities:
                cur.execute("DELETE FROM events WHERE entity IN (SELECT unnest(?))", [list(entities)])
            if rows:
                cur.executemany(f"INSERT OR REPLACE INTO events VALUES ({placeholders})", rows)
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
        with self._db.reading() as cur:
            return [_event_from_row(r) for r in cur.execute(sql, params).fetchall()]

    def get_event(self, event_id: str) -> Event | None:
        """One event by id."""
        with self._db.reading() as cur:
            row = cur.execute("SELECT * FROM events WHERE id = ?", [event_id]).fetchone()
        return _event_from_row(row) if row else None
