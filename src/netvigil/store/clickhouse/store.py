"""The ClickHouse store: embedded (chdb, a directory) or a server (clickhouse-connect), made of its parts.

Each part is a class in its own module holding its tables and SQL; :class:`ClickHouseStore`
composes them over one :class:`~netvigil.store.clickhouse.database.Database` and fills the
:class:`~netvigil.store.protocol.Store` protocol. The SQL is the same for both connections.

Store settings ride on the URL's query: ``raw_ttl_days=N`` makes ClickHouse drop raw signal
points N days after their time (a TTL on ``signals``; the roll-ups stay); ``raw_ttl_days=0``
removes the TTL. Without it nothing expires (the default).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Self
from urllib.parse import urlsplit

from netvigil.model.errors import ConfigError, StoreError
from netvigil.store.clickhouse import (
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
from netvigil.store.clickhouse.connection import ChdbConnection, Connection, HttpConnection, settings_of
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.evidence import EvidenceQueries
from netvigil.store.clickhouse.sql import Table
from netvigil.store.migrations import Migration

# Parts that own tables, in the order their shares of one migration run (as in the DuckDB store).
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
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        signals.SIGNALS,
        signals.INGESTS,
        events.EVENTS,
        probing.CHANGES,
        measurements.MEASUREMENTS,
        tokens.TOKENS,
        alerts.RULES,
        alerts.DELIVERIES,
        rollups.ROLLUPS,
        rollups.STATE,
        cause_annotations.TABLE,
        foreign.EVENTS,
        foreign.FETCHES,
    )
}
TTL_SETTING = "raw_ttl_days"


class ClickHouseStore(signals.SignalTable, events.EventTable):
    """The :class:`~netvigil.store.protocol.Store` on ClickHouse, over either connection."""

    def __init__(
        self, connection: Connection, *, read_only: bool = False, raw_ttl_days: int | None = None
    ) -> None:
        self.db = Database(connection, TABLES, read_only=read_only)
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
        try:
            if not read_only:
                self.migrate()
                if raw_ttl_days is not None:
                    self.set_raw_ttl(raw_ttl_days)
        except BaseException:
            self.db.close()
            raise

    @property
    def read_only(self) -> bool:
        """Whether the store was opened for reading only (netvigil refuses its writes)."""
        return self.db.read_only

    @property
    def where(self) -> str:
        """The store's URL (without a password)."""
        return self.db.where

    def set_raw_ttl(self, days: int) -> None:
        """Drop raw signal points ``days`` after their time (0: keep them for ever, the default)."""
        if days < 0:
            raise ConfigError(f"{TTL_SETTING} must be 0 (no TTL) or a number of days; got {days}")
        if days == 0:
            if "TTL" in str(self.db.value("SELECT create_table_query FROM system.tables "
                                          "WHERE database = currentDatabase() AND name = 'signals'")):
                self.db.command("ALTER TABLE signals REMOVE TTL")
            return
        self.db.command(f"ALTER TABLE signals MODIFY TTL toDateTime(time) + INTERVAL {int(days)} DAY")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group this thread's writes into one transaction (staged, see :mod:`.database`)."""
        with self.db.transaction():
            yield

    def schema_version(self) -> int:
        """The highest migration applied (0 for an empty store)."""
        return migrations.schema_version(self.db)

    def migrate(self) -> int:
        """Apply every migration not yet recorded, in order."""
        if self.read_only:
            raise StoreError(f"store {self.where} is open read-only; it cannot be migrated")
        return migrations.migrate(self.db, MIGRATIONS)

    def close(self) -> None:
        """Close the connection (for chdb: free the process's embedded server if it was the last)."""
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ttl_of(url: str) -> int | None:
    value = settings_of(url).get(TTL_SETTING)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{TTL_SETTING} in {url!r} must be a whole number of days") from None


def chdb_path(url: str) -> str:
    """The directory a ``chdb://`` URL names (``chdb:///abs/dir``, or ``chdb:rel/dir``)."""
    parts = urlsplit(url)
    if parts.netloc:
        raise ConfigError(f"a chdb URL names a directory, not a host: {url!r} (use chdb:///abs/dir)")
    if not parts.path:
        raise ConfigError(f"a chdb URL needs a directory: {url!r} (use chdb:///abs/dir)")
    return parts.path


def open_chdb(url: str, *, read_only: bool = False) -> ClickHouseStore:
    """The embedded store in the directory a ``chdb://`` URL names (made if missing, unless read-only)."""
    path = chdb_path(url)
    if read_only and not Path(path).is_dir():
        raise StoreError(f"no store at {path}; ingest something first or pass --db")
    return ClickHouseStore(ChdbConnection(path), read_only=read_only, raw_ttl_days=_ttl_of(url))


def open_server(url: str, *, read_only: bool = False) -> ClickHouseStore:
    """The store in the database a ``clickhouse://host:8123/database`` URL names, on that server."""
    return ClickHouseStore(HttpConnection(url), read_only=read_only, raw_ttl_days=_ttl_of(url))
