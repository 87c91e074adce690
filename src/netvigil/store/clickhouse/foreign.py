"""Other observatories' events and the public sources' fetch manifest, in ClickHouse.

Events are keyed by (source, source_id, entity), so fetching an event again replaces it; the
manifest is keyed by (source, entity, start, end).
"""

from __future__ import annotations

from collections.abc import Sequence

from netvigil.model.foreign import FetchRecord, ForeignEvent, Window
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import Table, in_list, lit
from netvigil.store.columns import values_of
from netvigil.store.migrations import FOREIGN, Migration
from netvigil.store.records import foreign_event_of, foreign_event_row

EVENTS = Table.of("foreign_events", ForeignEvent, ("source", "source_id", "entity"))
FETCHES = Table.of("fetches", FetchRecord, ("source", "entity", "start", "end"))
MIGRATIONS = (Migration(7, FOREIGN, lambda: [EVENTS.ddl(), FETCHES.ddl()]),)


class ForeignTable:
    """The :class:`~netvigil.store.protocol.ForeignStore` part on ClickHouse."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_events(self, events: Sequence[ForeignEvent]) -> int:
        """Store events, replacing a stored one with the same (source, source_id, entity)."""
        if not events:
            return 0
        with self._db.transaction():
            self._db.insert_rows("foreign_events", [foreign_event_row(e) for e in events])
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
        where = ["1"]
        if source is not None:
            where.append(f"source = {lit(source)}")
        if entities is not None:
            if not entities:
                return []
            where.append(in_list("entity", entities))
        if until is not None:
            where.append(f"`start` < {lit(until)}")
        if since is not None:
            where.append(f"(`end` IS NULL OR `end` > {lit(since)})")
        rows = self._db.rows(
            f"SELECT {EVENTS.select_list()} FROM {self._db.source('foreign_events')} "
            f"WHERE {' AND '.join(where)} ORDER BY `start`, source, entity, source_id"
        )
        return [foreign_event_of(row) for row in rows]

    def record_fetch(self, record: FetchRecord) -> None:
        """Record one fetched window (replacing an earlier, incomplete record of it)."""
        with self._db.transaction():
            self._db.insert_rows("fetches", [values_of(record)])

    def completed(self, source: str, entity: str, since: int, until: int) -> set[Window]:
        """The windows of ``source`` and ``entity`` inside ``[since, until)`` stored complete."""
        rows = self._db.rows(
            f"SELECT `start`, `end` FROM {self._db.source('fetches')} WHERE source = {lit(source)} "
            f"AND entity = {lit(entity)} AND complete AND `end` > {lit(since)} AND `start` < {lit(until)}"
        )
        return {Window(start, end) for start, end in rows}

    def fetches(self, source: str | None = None) -> list[FetchRecord]:
        """The manifest (of one source, or all), by source, entity and start."""
        where = f"source = {lit(source)}" if source is not None else "1"
        rows = self._db.rows(
            f"SELECT {FETCHES.select_list()} FROM {self._db.source('fetches')} WHERE {where} "
            "ORDER BY source, entity, `start`"
        )
        return [FetchRecord(*row) for row in rows]
