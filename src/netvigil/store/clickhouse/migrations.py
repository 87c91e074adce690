"""ClickHouse's record of applied migrations (``schema_version``) and the runner.

The migrations, their numbers and names are those of every backend
(:mod:`netvigil.store.migrations`). DDL is not transactional in ClickHouse, so every statement is
idempotent (``CREATE TABLE IF NOT EXISTS``) and a version is recorded after its statements ran:
a migration interrupted half-way runs again, harmlessly, on the next open.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Final

from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import lit
from netvigil.store.migrations import Migration, merged

_TABLE: Final = (
    "CREATE TABLE IF NOT EXISTS schema_version (version Int64, name String, applied_at Int64) "
    "ENGINE = ReplacingMergeTree ORDER BY version"
)


def _has_table(db: Database) -> bool:
    found = db.value(
        "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'schema_version'"
    )
    return bool(found)


def applied(db: Database) -> list[int]:
    """The applied versions, in order (none for an empty store)."""
    if not _has_table(db):
        return []
    return [int(r[0]) for r in db.rows("SELECT version FROM schema_version FINAL ORDER BY version")]


def schema_version(db: Database) -> int:
    """The highest migration applied (0 for an empty store)."""
    return max(applied(db), default=0)


def migrate(db: Database, migrations: Iterable[Migration]) -> int:
    """Apply every migration not yet recorded, in order; versions are tracked one by one."""
    db.command(_TABLE)
    done = set(applied(db))
    for migration in merged(migrations):
        if migration.version in done:
            continue
        for statement in migration.statements():
            db.command(statement)
        db.command(
            "INSERT INTO schema_version VALUES "
            f"({migration.version}, {lit(migration.name)}, {int(time.time())})"
        )
    return schema_version(db)
