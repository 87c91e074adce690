"""What a report cites as evidence, read from DuckDB: per series, where its points came from."""

from __future__ import annotations

from collections.abc import Sequence

from netvigil.model.series import SeriesSource
from netvigil.store.duckdb.database import Database


class EvidenceQueries:
    """The :class:`~netvigil.store.protocol.EvidenceStore` part on DuckDB (reads the ``signals`` table)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def series_sources(self, entities: Sequence[str], since: int, until: int) -> list[SeriesSource]:
        """Points per (entity, signal, source) with ``since <= time < until``, for the given entities."""
        if not entities:
            return []
        marks = ", ".join("?" for _ in entities)
        with self._db.reading() as cur:
            rows = cur.execute(
                "SELECT entity, signal, source, count(*), min(time), max(time) FROM signals "
                f"WHERE entity IN ({marks}) AND time >= ? AND time < ? "
                "GROUP BY entity, signal, source ORDER BY entity, signal, source",
                [*entities, since, until],
            ).fetchall()
        return [SeriesSource(str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]
