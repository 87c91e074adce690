"""Versioned schema migrations: each runs once, in order, recorded in ``schema_version``.

Each part of the DuckDB store declares its own migrations (a ``MIGRATIONS`` tuple in its module);
:func:`merged` joins the parts' contributions to one version into one step, in the order the
parts are listed, so a step that makes tables of several parts (1: signals and events; 5: the
service tables) stays the single step it shipped as. Add a migration with the next free version
number; never edit one that has shipped. Version numbers are reserved per feature so parallel work
does not collide. Shipped: 1 core, 3 probe_changes, 4 measurements, 5 service tables, 6 annotations,
7 foreign events and the fetch manifest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from netvigil.store.duckdb.database import Database

CORE = "signals, ingests and events"
SERVICE = "service: API tokens, alert rules and deliveries, roll-ups, service state"


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step (or one part's share of it): a version, a name, and the SQL it runs."""

    version: int
    name: str
    statements: Callable[[], list[str]]


def merged(contributions: Iterable[Migration]) -> list[Migration]:
    """One migration per version, its statements those of every contribution in the given order."""
    by_version: dict[int, list[Migration]] = {}
    for migration in contributions:
        by_version.setdefault(migration.version, []).append(migration)
    steps: list[Migration] = []
    for version in sorted(by_version):
        parts = by_version[version]
        names = {m.name for m in parts}
        if len(names) != 1:
            raise ValueError(f"migration {version} is named differently by its parts: {sorted(names)}")

        def statements(parts: list[Migration] = parts) -> list[str]:
            return [s for m in parts for s in m.statements()]

        steps.append(Migration(version, parts[0].name, statements))
    return steps


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
