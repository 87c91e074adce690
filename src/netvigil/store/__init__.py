"""The store: one protocol (:class:`Store`, made of small part protocols), opened by :func:`open_store`.

Code above ``store/`` imports from here: the protocols, the records that cross the boundary, and
the composition root. Backends (``netvigil.store.duckdb``) are loaded by :func:`open_store` when a
store is opened, so importing this package loads no database library.
"""

from __future__ import annotations

from netvigil.model.events import EventFilter
from netvigil.model.series import IngestRecord, SeriesData, SeriesInfo
from netvigil.store.backends import default_db_path, open_store, parse_location
from netvigil.store.protocol import (
    AlertStore,
    AnnotationStore,
    EventStore,
    EvidenceStore,
    MeasurementStore,
    ProbeChangeStore,
    RollupStore,
    SignalStore,
    StateStore,
    Store,
    TokenStore,
)

__all__ = [
    "AlertStore",
    "AnnotationStore",
    "EventFilter",
    "EventStore",
    "EvidenceStore",
    "IngestRecord",
    "MeasurementStore",
    "ProbeChangeStore",
    "RollupStore",
    "SeriesData",
    "SeriesInfo",
    "SignalStore",
    "StateStore",
    "Store",
    "TokenStore",
    "default_db_path",
    "open_store",
    "parse_location",
]
