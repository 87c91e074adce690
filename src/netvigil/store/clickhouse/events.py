"""Detected events in ClickHouse: one row per event, ordered by id, tuple fields as JSON text.

Each replacement compacts the table (one part, see :mod:`.database`): every page reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from netvigil.model.events import Event, EventFilter
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import Table, in_list, lit
from netvigil.store.migrations import CORE, SUGGESTED_CAUSE, SUGGESTED_CAUSE_COLUMNS, Migration
from netvigil.store.records import event_of, event_row

EVENTS = Table.of("events", Event, ("id",))
_ADD_COLUMN = "ALTER TABLE events ADD COLUMN IF NOT EXISTS `{}` Nullable(String)"
MIGRATIONS = (
    Migration(1, CORE, lambda: [EVENTS.ddl()]),
    Migration(10, SUGGESTED_CAUSE, lambda: [_ADD_COLUMN.format(c) for c in SUGGESTED_CAUSE_COLUMNS]),
)


class EventTable:
    """The :class:`~netvigil.store.protocol.EventStore` part on ClickHouse."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def replace_events(self, events: Iterable[Event], entities: Sequence[str]) -> int:
        """Delete the events of ``entities`` and insert ``events``, atomically."""
        rows = [event_row(e) for e in events]
        with self._db.transaction(compact=("events",)):
            if entities:
                self._db.delete("events", in_list("entity", entities))
            if rows:
                self._db.insert_rows("events", rows)
        return len(rows)

    def read_events(self, where: EventFilter) -> list[Event]:
        """Stored events matching ``where``, newest start first."""
        clauses = ["1"]
        for column, values in (("entity", where.entities), ("kind", where.kinds), ("scope", where.scopes)):
            if values:
                clauses.append(in_list(column, values))
        if where.since is not None:
            clauses.append(f"(`end` IS NULL OR `end` >= {lit(where.since)})")
        if where.until is not None:
            clauses.append(f"`start` < {lit(where.until)}")
        if where.ongoing is not None:
            clauses.append("`end` IS NULL" if where.ongoing else "`end` IS NOT NULL")
        if where.top_level_only:
            clauses.append("parent_event IS NULL")
        limit = f" LIMIT {int(where.limit)}" if where.limit is not None else ""
        rows = self._db.rows(
            f"SELECT {EVENTS.select_list()} FROM {self._db.source('events')} WHERE {' AND '.join(clauses)} "
            f"ORDER BY `start` DESC, entity{limit}"
        )
        return [event_of(r) for r in rows]

    def get_event(self, event_id: str) -> Event | None:
        """One event by id."""
        rows = self._db.rows(
            f"SELECT {EVENTS.select_list()} FROM {self._db.source('events')} WHERE id = {lit(event_id)}"
        )
        return event_of(rows[0]) if rows else None
