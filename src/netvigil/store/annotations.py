"""Analyst annotations of events: the stated cause, who said so, when, and on what source.

A cause is an analyst's statement, never the detector's: each annotation is kept (the table is an
append-only log), and the newest one of an event is its current cause. Detection runs replace
events but never touch annotations, so an attribution survives re-detection of the same event id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netvigil.store.schema import columns_of, create_table_sql

if TYPE_CHECKING:
    from netvigil.store.duckdb_store import DuckDBStore


@dataclass(frozen=True, slots=True)
class Annotation:
    """One analyst statement about an event's cause (``source`` is a URL or citation)."""

    event_id: str
    cause: str
    author: str
    created_at: int
    source: str | None = None
    note: str | None = None


_COLUMNS = [c.name for c in columns_of(Annotation)]


def annotation_tables() -> list[str]:
    """The ``annotations`` table (migration 6)."""
    return [
        create_table_sql("annotations", Annotation, primary_key=("event_id", "created_at", "author")),
    ]


def add_annotation(store: DuckDBStore, annotation: Annotation) -> Annotation:
    """Append an annotation; a second one by the same author in the same second replaces the first."""
    values = [getattr(annotation, name) for name in _COLUMNS]
    marks = ", ".join("?" for _ in values)
    store.cursor().execute(f"INSERT OR REPLACE INTO annotations VALUES ({marks})", values)
    return annotation


def _has_table(store: DuckDBStore) -> bool:
    """False for a store opened read-only before migration 6 ever ran on it."""
    row = (
        store.cursor()
        .execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'annotations'")
        .fetchone()
    )
    return bool(row and row[0])


def annotations_of(store: DuckDBStore, event_ids: Sequence[str]) -> list[Annotation]:
    """Every annotation of the given events, oldest first."""
    if not event_ids or not _has_table(store):
        return []
    marks = ", ".join("?" for _ in event_ids)
    rows = (
        store.cursor()
        .execute(
            f"SELECT {', '.join(_COLUMNS)} FROM annotations WHERE event_id IN ({marks}) "
            "ORDER BY created_at, author",
            list(event_ids),
        )
        .fetchall()
    )
    return [Annotation(*row) for row in rows]


def current_causes(store: DuckDBStore, event_ids: Sequence[str]) -> dict[str, Annotation]:
    """The newest annotation of each given event that has one."""
    return {a.event_id: a for a in annotations_of(store, event_ids)}
