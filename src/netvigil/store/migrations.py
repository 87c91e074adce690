"""Versioned schema migrations: each runs once, in order, recorded in ``schema_version``.

Add a migration by appending to :data:`MIGRATIONS` with the next version number; never edit one
that has shipped. Version numbers are reserved per feature so parallel work does not collide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from netvigil.model.events import Event
from netvigil.model.signals import SignalPoint
from netvigil.store.annotations import annotation_tables as _annotations
from netvigil.store.base import IngestRecord
from netvigil.store.measurements import migration_statements as _measurements
from netvigil.store.probing import migration_statements as _probing
from netvigil.store.schema import create_table_sql
from netvigil.store.service_schema import service_tables as _service


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: a version, a name, and the SQL statements it runs."""

    version: int
    name: str
    statements: Callable[[], list[str]]


def _core() -> list[str]:
    return [
        create_table_sql("signals", SignalPoint, primary_key=("entity", "signal", "time")),
        create_table_sql("ingests", IngestRecord, primary_key=("sha256",)),
        create_table_sql("events", Event, primary_key=("id",)),
        "CREATE INDEX IF NOT EXISTS events_entity ON events (entity)",
    ]


MIGRATIONS: list[Migration] = [
    Migration(1, "signals, ingests and events", _core),
    Migration(3, "prober block state changes", _probing),
    Migration(4, "OONI-format measurements", _measurements),
    Migration(5, "service: API tokens, alert rules and deliveries, roll-ups, service state", _service),
    Migration(6, "report: analyst cause annotations", _annotations),
]
