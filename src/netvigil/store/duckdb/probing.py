"""The prober's table in DuckDB: block state changes (observations)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import pandas as pd

from netvigil.model.probing import BlockChange, BlockState
from netvigil.store.duckdb.database import Database
from netvigil.store.duckdb.migrations import Migration
from netvigil.store.duckdb.schema import columns_of, create_table_sql
from netvigil.store.migrations import PROBING

TABLE = "probe_changes"
_COLUMNS = [c.name for c in columns_of(BlockChange)]


def _tables() -> list[str]:
    return [
        create_table_sql(TABLE, BlockChange, primary_key=("vantage", "block", "time")),
        f"CREATE INDEX IF NOT EXISTS {TABLE}_entity ON {TABLE} (entity, time)",
    ]


MIGRATIONS = (Migration(3, PROBING, _tables),)


class ProbeChangeTable:
    """The :class:`~netvigil.store.protocol.ProbeChangeStore` part on DuckDB."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def write(self, changes: Sequence[BlockChange]) -> int:
        """Upsert state changes in one transaction; returns how many were written."""
        if not changes:
            return 0
        frame = pd.DataFrame(
            [{name: getattr(c, name) for name in _COLUMNS} for c in changes], columns=_COLUMNS
        )
        with self._db.transaction() as cur:
            cur.register("change_frame", frame)
            try:
                cur.execute(f"INSERT OR REPLACE INTO {TABLE} SELECT {', '.join(_COLUMNS)} FROM change_frame")
            finally:
                cur.unregister("change_frame")
        return len(changes)

    def read(self, block: str | None = None, since: int | None = None) -> list[BlockChange]:
        """Stored state changes, oldest first, optionally of one block and from ``since`` on."""
        sql = f"SELECT {', '.join(_COLUMNS)} FROM {TABLE} WHERE 1 = 1"
        params: list[object] = []
        if block is not None:
            sql += " AND block = ?"
            params.append(block)
        if since is not None:
            sql += " AND time >= ?"
            params.append(since)
        with self._db.reading() as cur:
            rows = cur.execute(sql + " ORDER BY time, block", params).fetchall()
        return [BlockChange(*row) for row in rows]

    def latest_states(self, vantage: str) -> dict[str, BlockState]:
        """The last stored state of every block seen from ``vantage`` (a restart records no false change)."""
        with self._db.reading() as cur:
            rows = cur.execute(
                f"SELECT block, arg_max(state, time) FROM {TABLE} WHERE vantage = ? GROUP BY block", [vantage]
            ).fetchall()
        return {str(block): cast(BlockState, str(state)) for block, state in rows}
