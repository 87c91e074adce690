"""The store: one narrow interface (:class:`Store`), DuckDB embedded as the default implementation.

The DuckDB names are imported on first use, so code that only needs the interface (the BGP
replay, the CLI's light commands) starts without loading DuckDB and pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from netvigil.store.base import EventFilter, IngestRecord, SeriesData, SeriesInfo, Store

if TYPE_CHECKING:
    from netvigil.store.duckdb_store import DuckDBStore, default_db_path, open_store

_DUCKDB_NAMES = frozenset({"DuckDBStore", "default_db_path", "open_store"})

__all__ = [
    "DuckDBStore",
    "EventFilter",
    "IngestRecord",
    "SeriesData",
    "SeriesInfo",
    "Store",
    "default_db_path",
    "open_store",
]


def __getattr__(name: str) -> object:
    """Load the DuckDB implementation when one of its names is first asked for (PEP 562)."""
    if name in _DUCKDB_NAMES:
        return getattr(importlib.import_module("netvigil.store.duckdb_store"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
