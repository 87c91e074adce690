"""The prober's table: block state changes (observations), written and read through a DuckDB store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from netvigil.model.probing import BlockChange
from netvigil.store.schema import columns_of, create_table_sql

if TYPE_CHECKING:  # the store module imports the migrations, which import this module
    from netvigil.store.duckdb_store import DuckDBStore

TABLE = "probe_changes"
_COLUMNS = [c.name for c in columns_of(BlockChange)]


def migration_statements() -> list[str]:
    """Migration 3: the ``probe_changes`` table, one row per block state change."""
    return [
        create_table_sql(TABLE, BlockChange, primary_key=("vantage", "block", "time")),
        f"CREATE INDEX IF NOT EXISTS {TABLE}_entity ON {TABLE} (entity, time)",
    ]


def write_block_changes(store: DuckDBStore, changes: Sequence[BlockChange]) -> int:
    """Upsert state changes in one transaction; returns how many were written."""
    if not changes:
        return 0
    frame = pd.DataFrame([{name: getattr(c, name) for name in _COLUMNS} for c in changes], columns=_COLUMNS)
    cur = store.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.register("change_frame", frame)
        cur.execute(f"INSERT OR REPLACE INTO {TABLE} SELECT {', '.join(_COLUMNS)} FROM change_frame")
        cur.unregister("change_frame")
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return len(changes)


def read_block_changes(
    store: DuckDBStore, block: str | None = None, since: int | None = None
) -> list[BlockChange]:
    """Stored state changes, oldest first, optionally of one block and from ``since`` on."""
    sql = f"SELECT {', '.join(_COLUMNS)} FROM {TABLE} WHERE 1 = 1"
    params: list[object] = []
    if block is not None:
        sql += " AND block = ?"
        params.append(block)
    if since is not None:
        sql += " AND time >= ?"
        params.append(since)
    rows = store.cursor().execute(sql + " ORDER BY time, block", params).fetchall()
    return [BlockChange(*row) for row in rows]


def latest_states(store: DuckDBStore, vantage: str) -> dict[str, str]:
    """The last stored state of every block seen from ``vantage`` (so a restart records no false change)."""
    rows = (
        store.cursor()
        .execute(
            f"SELECT block, arg_max(state, time) FROM {TABLE} WHERE vantage = ? GROUP BY block", [vantage]
        )
        .fetchall()
    )
    return {str(block): str(state) for block, state in rows}
