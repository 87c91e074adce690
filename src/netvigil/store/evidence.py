"""What a report cites as evidence: per series, where its points came from and how many there are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netvigil.store.duckdb_store import DuckDBStore


@dataclass(frozen=True, slots=True)
class SeriesSource:
    """Observations of one (entity, signal, source) in a time window."""

    entity: str
    signal: str
    source: str
    observations: int
    first: int
    last: int


def series_sources(store: DuckDBStore, entities: Sequence[str], since: int, until: int) -> list[SeriesSource]:
    """Points per (entity, signal, source) with ``since <= time < until``, for the given entities."""
    if not entities:
        return []
    marks = ", ".join("?" for _ in entities)
    rows = (
        store.cursor()
        .execute(
            "SELECT entity, signal, source, count(*), min(time), max(time) FROM signals "
            f"WHERE entity IN ({marks}) AND time >= ? AND time < ? "
            "GROUP BY entity, signal, source ORDER BY entity, signal, source",
            [*entities, since, until],
        )
        .fetchall()
    )
    return [SeriesSource(str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]
