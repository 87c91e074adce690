"""Analyst annotations in DuckDB: an append-only log; detection runs never touch it.

An attribution therefore survives re-detection of the same event id.
"""

from __future__ import annotations

from collections.abc import Sequence

from netvigil.model.annotations import Annotation
from netvigil.store.duckdb.database import Database
from netvigil.store.duckdb.migrations import Migration
from netvigil.store.duckdb.schema import columns_of, create_table_sql, insert_sql, values_of
from netvigil.store.migrations import ANNOTATIONS

_COLUMNS = [c.name for c in columns_of(Annotation)]


def _tables() -> list[str]:
    return [
        create_table_sql("annotations", Annotation, primary_key=("event_id", "created_at", "author")),
    ]


MIGRATIONS = (Migration(6, ANNOTATIONS, _tables),)


class AnnotationTable:
    """The :class:`~netvigil.store.protocol.AnnotationStore` part on DuckDB."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, annotation: Annotation) -> Annotation:
        """Append an annotation; a second one by the same author in the same second replaces the first."""
        with self._db.transaction() as cur:
            cur.execute(insert_sql("annotations", Annotation, "INSERT OR REPLACE"), values_of(annotation))
        return annotation

    def _has_table(self) -> bool:
        """False for a store opened read-only before migration 6 ever ran on it."""
        with self._db.reading() as cur:
            row = cur.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'annotations'"
            ).fetchone()
        return bool(row and row[0])

    def of(self, event_ids: Sequence[str]) -> list[Annotation]:
        """Every annotation of the given events, oldest first."""
        if not event_ids or not self._has_table():
            return []
        marks = ", ".join("?" for _ in event_ids)
        with self._db.reading() as cur:
            rows = cur.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM annotations WHERE event_id IN ({marks}) "
                "ORDER BY created_at, author",
                list(event_ids),
            ).fetchall()
        return [Annotation(*row) for row in rows]

    def current_causes(self, event_ids: Sequence[str]) -> dict[str, Annotation]:
        """The newest annotation of each given event that has one."""
        return {a.event_id: a for a in self.of(event_ids)}
