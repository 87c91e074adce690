"""The ClickHouse backend: embedded through chdb, or a server or cluster through clickhouse-connect.

Only the composition root (:mod:`netvigil.store.backends`) imports it. One module per part, each
holding its tables and SQL, the same SQL over both connections; :class:`ClickHouseStore` composes
them. The design (engines, keys, partitions, roll-ups, TTL, transactions, cluster tables) is in
docs/design/clickhouse.md.
"""

from __future__ import annotations

from netvigil.store.clickhouse.store import ClickHouseStore, open_chdb, open_server

__all__ = ["ClickHouseStore", "open_chdb", "open_server"]
