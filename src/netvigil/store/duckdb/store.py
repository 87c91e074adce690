"""The embedded default store: one DuckDB file (``:memory:`` works too), made of its parts.

Each part is a class in its own module holding its SQL and its migrations; :class:`DuckDBStore`
composes them over one :class:`~netvigil.store.duckdb.database.Database` and fills the
:class:`~netvigil.store.protocol.Store` protocol.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Self

import duckdb

from netvigil.store.duckdb import (
    alerts,
    cause_annotations,
    events,
    foreign,
    measurements,
    migrations,
    probing,
    rollups,
    signals,
    tokens,
)
from netvigil.store.duckdb.database import MEMORY, Database
from netvigil.store.duckdb.evidence import EvidenceQueries
from netvigil.store.duckdb.migrations import Migration

# Parts that own tables, in the order their shares of one migration run (migration 5: tokens,
# alerts, then roll-ups and service state).
_PARTS: tuple[ModuleType, ...] = (
    signals,
    events,
    probing,
    measurements,
    tokens,
    alerts,
    rollups,
    cause_annotations,
    foreign,
)

MIGRATIONS: tuple[Migration, ...] = tuple(m for part in _PARTS for m in part.MIGRATIONS)


class DuckDBStore(signals.SignalTable, events.EventTable):
    """The :class:`~netvigil.store.protocol.Store` on an embedded DuckDB file."""

    def __init__(
        self, path: str | Path = MEMORY, *, read_only: bool = False, lock_timeout: float = 1.0
    ) -> None:
        self.path = str(path)
        self.db = Database(self.path, read_only=read_only, lock_timeout=lock_timeout)
        signals.SignalTable.__init__(self, self.db)
        events.EventTable.__init__(self, self.db)
        self.measurements = measurements.MeasurementTable(self.db)
        self.probe_changes = probing.ProbeChangeTable(self.db)
        self.alerts = alerts.AlertTable(self.db)
        self.tokens = tokens.TokenTable(self.db)
        self.state = rollups.StateTable(self.db)
        self.rollups = rollups.RollupTable(self.db, self.state)
        self.annotations = cause_annotations.AnnotationTable(self.db)
        self.foreign = foreign.ForeignTable(self.db)
        self.evidence = EvidenceQueries(self.db)
        if not read_only:
            self.migrate()

    @property
    def read_only(self) -> bool:
        """Whether the file was opened for reading only."""
        return self.db.read_only

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """The calling thread's DuckDB cursor: for DuckDB-specific tests and tools, never above ``store/``."""
        return self.db.cursor()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group this thread's writes into one transaction (see :meth:`Database.transaction`)."""
        with self.db.transaction():
            yield

    def schema_version(self) -> int:
        """The highest migration applied (0 for an empty file)."""
        return migrations.schema_version(self.db)

    def migrate(self) -> int:
        """Apply every migration not yet recorded, in order, each in its own transaction."""
        return migrations.migrate(self.db, MIGRATIONS)

    def close(self) -> None:
        """Close the database; every cursor becomes unusable."""
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
