"""The prober's table in ClickHouse: block state changes, ordered by (vantage, block, time), monthly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from netvigil.model.probing import BlockChange, BlockState
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import Table, lit, month_of
from netvigil.store.columns import values_of
from netvigil.store.migrations import PROBING, Migration

CHANGES = Table.of("probe_changes", BlockChange, ("vantage", "block", "time"), month_of("time"))
MIGRATIONS = (Migration(3, PROBING, lambda: [CHANGES.ddl()]),)


class ProbeChangeTable:
    """The :class:`~netvigil.store.protocol.ProbeChangeStore` part on ClickHouse."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def write(self, changes: Sequence[BlockChange]) -> int:
        """Upsert state changes in one transaction; returns how many were written."""
        if not changes:
            return 0
        rows = [values_of(c) for c in changes]
        with self._db.transaction():
            self._db.insert_rows("probe_changes", rows)
        return len(changes)

    def read(self, block: str | None = None, since: int | None = None) -> list[BlockChange]:
        """Stored state changes, oldest first, optionally of one block and from ``since`` on."""
        where = "1"
        if block is not None:
            where += f" AND block = {lit(block)}"
        if since is not None:
            where += f" AND time >= {lit(since)}"
        rows = self._db.rows(
            f"SELECT {CHANGES.select_list()} FROM {self._db.source('probe_changes')} WHERE {where} "
            "ORDER BY time, block"
        )
        return [BlockChange(*row) for row in rows]

    def latest_states(self, vantage: str) -> dict[str, BlockState]:
        """The last stored state of every block seen from ``vantage`` (a restart records no false change)."""
        rows = self._db.rows(
            f"SELECT block, argMax(state, time) FROM {self._db.source('probe_changes')} "
            f"WHERE vantage = {lit(vantage)} GROUP BY block"
        )
        return {str(block): cast(BlockState, str(state)) for block, state in rows}
