"""Analyst annotations in ClickHouse: an append-only log keyed by (event, time, author)."""

from __future__ import annotations

from collections.abc import Sequence

from netvigil.model.annotations import Annotation
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import Table, in_list
from netvigil.store.columns import values_of
from netvigil.store.migrations import ANNOTATIONS, Migration

TABLE = Table.of("annotations", Annotation, ("event_id", "created_at", "author"))
MIGRATIONS = (Migration(6, ANNOTATIONS, lambda: [TABLE.ddl()]),)


class AnnotationTable:
    """The :class:`~netvigil.store.protocol.AnnotationStore` part on ClickHouse."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, annotation: Annotation) -> Annotation:
        """Append an annotation; a second one by the same author in the same second replaces the first."""
        with self._db.transaction():
            self._db.insert_rows("annotations", [values_of(annotation)])
        return annotation

    def of(self, event_ids: Sequence[str]) -> list[Annotation]:
        """Every annotation of the given events, oldest first."""
        if not event_ids:
            return []
        rows = self._db.rows(
            f"SELECT {TABLE.select_list()} FROM {self._db.source('annotations')} "
            f"WHERE {in_list('event_id', event_ids)} ORDER BY created_at, author"
        )
        return [Annotation(*row) for row in rows]

    def current_causes(self, event_ids: Sequence[str]) -> dict[str, Annotation]:
        """The newest annotation of each given event that has one."""
        return {a.event_id: a for a in self.of(event_ids)}
