"""The store: one narrow interface (:class:`Store`), DuckDB embedded as the default implementation."""

from netvigil.store.base import EventFilter, IngestRecord, SeriesData, SeriesInfo, Store
from netvigil.store.duckdb_store import DuckDBStore, default_db_path, open_store

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
