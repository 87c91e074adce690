"""The DuckDB backend (embedded, the default). Only the composition root imports it.

One module per part (signals, events, measurements, probe changes, alerts, tokens, roll-ups and
service state, annotations, evidence), each holding its SQL and its migrations;
:class:`DuckDBStore` composes them.
"""

from __future__ import annotations

from netvigil.store.duckdb.store import DuckDBStore

__all__ = ["DuckDBStore"]
