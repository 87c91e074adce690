"""What a report cites as evidence, read from ClickHouse: per series, where its points came from."""

from __future__ import annotations

from collections.abc import Sequence

from netvigil.model.series import SeriesSource
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import in_list, lit


class EvidenceQueries:
    """The :class:`~netvigil.store.protocol.EvidenceStore` part on ClickHouse (reads ``signals``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def series_sources(self, entities: Sequence[str], since: int, until: int) -> list[SeriesSource]:
        """Points per (entity, signal, source) with ``since <= time < until``, for the given entities."""
        if not entities:
            return []
        rows = self._db.rows(
            f"SELECT entity, signal, source, count(), min(time), max(time) FROM {self._db.source('signals')} "
            f"WHERE {in_list('entity', entities)} AND time >= {lit(since)} AND time < {lit(until)} "
            "GROUP BY entity, signal, source ORDER BY entity, signal, source"
        )
        return [SeriesSource(str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]
