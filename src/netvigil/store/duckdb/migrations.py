"""DuckDB's record of applied migrations (``schema_version``) and the runner.

The migrations themselves, their numbers and :func:`~netvigil.store.migrations.merged` are shared
by every backend (:mod:`netvigil.store.migrations`); each part of the DuckDB store declares its
share in a ``MIGRATIONS`` tuple.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from netvigil.store.duckdb.database import Database
from netvigil.store.migrations import CORE, SERVICE, Migration, merged

__all__ = ["CORE", "SERVICE", "Migration", "merged", "migrate", "schema_version"]


def schema_version(db: Database) -> int:
    """The highest migration applied (0 for an empty file)."""
    with db.reading() as cur:
        exists = cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = cur.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(db: Database, migrations: Iterable[Migration]) -> int:
    """Apply every migration not yet recorded, in order, each in its own transaction.

    Applied versions are tracked one by one (not only the highest), so a store never misses a
    migration that was numbered below one it already has.
    """
    with db.transaction() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version "
            "(version BIGINT PRIMARY KEY, name VARCHAR NOT NULL, applied_at BIGINT NOT NULL)"
        )
    with db.reading() as cur:
        applied = {int(row[0]) for row in cur.execute("SELECT version FROM schema_version").fetchall()}
    for migration in merged(migrations):
        if migration.version in applied:
            continue
        with db.transaction() as cur:
            for statement in migration.statements():
                cur.execute(statement)
            cur.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [migration.version, migration.name, int(time.time())],
            )
    return schema_version(db)
