"""The ClickHouse database every part shares: reads, writes and the transaction design.

ClickHouse has no multi-statement transactions, so netvigil keeps the store protocol's promise
(a write method is atomic, :meth:`Database.transaction` groups writes, an exception writes
nothing) by *staging and moving*:

- every write is an insert: a new row, a changed row (a higher ``_version``), or a deletion (the
  key with ``_deleted = 1``); ``ReplacingMergeTree`` keeps the newest version of each key;
- a transaction writes into stage tables of its own (``CREATE TABLE _stage_<table>_<id> AS
  <table>``: the same engine, key and partitions), never into the live tables;
- a read inside the transaction sees the live table (``FINAL``) overlaid with its stage (the
  newest version of each key wins, deletions dropped), so a transaction reads its own writes;
- on commit the stages' partitions are moved into the live tables
  (``ALTER TABLE … ATTACH PARTITION ID … FROM <stage>``: the parts are hard-linked, no copy), one
  statement per table, while no other thread of this process runs a query; then the stages are
  dropped. On an exception the stages are only dropped: nothing was written.

Reads stay fast on the serving path in two ways. A transaction can ask for tables to be
*compacted*: after its commit, each partition it wrote of them is merged into one part
(``OPTIMIZE … PARTITION ID … FINAL``), so a ``FINAL`` read finds nothing left to merge there. The
roll-ups ask for it in the last step of a rebuild, the daily derivation (not after each batch of
scores, which would rewrite whole partitions once per batch); the events on each replacement.
Reads still say ``FINAL``, so they stay exact whatever was written since. And where this process
is the store's only writer (chdb), :meth:`Database.memo` keeps facts derived from a table (which
series exist) until a commit writes that table.

Readers in other threads never see a transaction's rows before its commit. Writers of one process
take turns (one write lock). Across processes (several writers on one server) each commit is
atomic per partition, and a crash in the middle of a commit leaves some tables moved and others
not: since every write is an idempotent upsert, running the interrupted work again converges.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from netvigil.model.errors import StoreError
from netvigil.store.clickhouse.connection import Connection
from netvigil.store.clickhouse.sql import DELETED, VERSION, Table, lit


class _Gate:
    """Many readers at once, or one commit alone; a waiting commit goes before readers that come later."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the gate with other readers."""
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the gate alone (no read runs meanwhile)."""
        with self._cond:
            self._waiting += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


@dataclass(slots=True)
class Transaction:
    """An open transaction: its id, the stage of each table it wrote, their partitions, what to compact."""

    id: str
    stages: dict[str, str] = field(default_factory=dict)
    partitions: dict[str, list[str]] = field(default_factory=dict)
    compact: set[str] = field(default_factory=set)


class Database:
    """One ClickHouse database (either connection): reads, versioned writes, staged transactions."""

    def __init__(self, connection: Connection, tables: Mapping[str, Table], *, read_only: bool) -> None:
        self.connection = connection
        self.where = connection.where
        self.read_only = read_only
        self.tables = dict(tables)
        self._gate = _Gate()
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._last_version = 0
        self._version_lock = threading.Lock()
        self._memos: dict[str, dict[Any, Any]] = {}

    def next_version(self) -> int:
        """A write's number: nanoseconds since the epoch, strictly increasing within the process."""
        with self._version_lock:
            self._last_version = max(time.time_ns(), self._last_version + 1)
            return self._last_version

    def rows(self, sql: str) -> list[list[Any]]:
        """The rows of a query (JSON values: numbers, strings, booleans, None)."""
        with self._gate.shared():
            raw = self.connection.query(sql, "JSONCompact")
        return list(json.loads(raw)["data"]) if raw.strip() else []

    def value(self, sql: str) -> Any:
        """The first column of the first row, or None."""
        got = self.rows(sql)
        return got[0][0] if got else None

    def frame(self, sql: str) -> pd.DataFrame:
        """A query's result as a DataFrame (through Arrow: for many rows of numbers)."""
        with self._gate.shared():
            raw = self.connection.query(sql, "ArrowStream")
        frame: pd.DataFrame = pa.ipc.open_stream(raw).read_all().to_pandas()
        return frame

    def command(self, sql: str) -> None:
        """Run a statement outside any transaction (DDL, migrations)."""
        with self._gate.shared():
            self.connection.command(sql)

    def memo(self, table: str) -> dict[Any, Any]:
        """A dict that keeps what was read from ``table`` until a commit writes the table.

        Kept only where this process is the store's only writer (:attr:`Connection.exclusive`), and
        not for a thread whose open transaction has written ``table`` (it reads its own stage):
        there a new, empty dict each time. A commit drops the table's memo, so a value computed
        from the table before the commit and stored after it lands in the dropped one.
        """
        if not self.keeps_memo(table):
            return {}
        return self._memos.setdefault(table, {})

    def keeps_memo(self, table: str) -> bool:
        """Whether :meth:`memo` of ``table`` is kept between calls here (else it is new each time)."""
        tx: Transaction | None = getattr(self._local, "tx", None)
        return self.connection.exclusive and not (tx is not None and table in tx.stages)

    def source(self, table: str) -> str:
        """What a read selects from: the live table (``FINAL``), overlaid by this thread's stage."""
        tx: Transaction | None = getattr(self._local, "tx", None)
        stage = tx.stages.get(table) if tx is not None else None
        if stage is None:
            return f"{table} FINAL"
        keys = ", ".join(self.tables[table].key)
        return (
            f"(SELECT * FROM (SELECT * FROM (SELECT * FROM {table} FINAL UNION ALL SELECT * FROM {stage}) "
            f"ORDER BY {VERSION} DESC LIMIT 1 BY {keys}) WHERE {DELETED} = 0)"
        )

    @contextmanager
    def transaction(self, compact: Sequence[str] = ()) -> Iterator[Transaction]:
        """Stage this thread's writes and move them into the live tables on success (see the module).

        The ``compact`` tables get each partition the transaction wrote merged into one part after
        the commit. A transaction inside another one of the same thread joins it (and its
        ``compact`` tables are compacted when the outer one commits).
        """
        current: Transaction | None = getattr(self._local, "tx", None)
        if current is not None:
            current.compact.update(compact)
            yield current
            return
        if self.read_only:
            raise StoreError(f"store {self.where} is open read-only; it cannot be written")
        with self._write_lock:
            tx = Transaction(uuid.uuid4().hex[:12], compact=set(compact))
            self._local.tx = tx
            try:
                yield tx
                self._commit(tx)
            finally:
                self._local.tx = None
                self._drop_stages(tx)
            self._compact(tx)

    def _stage(self, table: str) -> str:
        tx: Transaction | None = getattr(self._local, "tx", None)
        if tx is None:
            raise RuntimeError("a write outside Database.transaction()")
        if table not in tx.stages:
            stage = f"_stage_{table}_{tx.id}"
            self.command(f"CREATE TABLE {stage} AS {table}")
            tx.stages[table] = stage
        return tx.stages[table]

    def insert(self, table: str, values: dict[str, Any]) -> None:
        """Insert rows (one list or array per column) in the current transaction."""
        spec = self.tables[table]
        if not len(values[spec.names[0]]):
            return
        data = spec.arrow(values, self.next_version())
        stage = self._stage(table)
        with self._gate.shared():
            self.connection.insert(stage, data)

    def insert_rows(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows given as value lists in the table's column order."""
        names = self.tables[table].names
        self.insert(table, {n: [r[i] for r in rows] for i, n in enumerate(names)})

    def insert_select(self, table: str, select: str, *, deleted: bool = False) -> None:
        """Insert the rows of ``select`` (the table's columns, in order) in the current transaction.

        With ``deleted`` the rows are deletions of their keys. ``select`` may read this table
        (through :meth:`source`): the stage sees the transaction's earlier writes.
        """
        spec = self.tables[table]
        stage = self._stage(table)
        self.command(
            f"INSERT INTO {stage} ({spec.select_list()}, {VERSION}, {DELETED}) "
            f"SELECT *, {lit(self.next_version())}, {int(deleted)} FROM ({select})"
        )

    def delete(self, table: str, where: str) -> None:
        """Delete the rows matching ``where`` in the current transaction."""
        spec = self.tables[table]
        self.insert_select(
            table, f"SELECT {spec.select_list()} FROM {self.source(table)} WHERE {where}", deleted=True
        )

    def update(self, table: str, assignments: Mapping[str, str], where: str) -> None:
        """Set columns (SQL expressions) of the rows matching ``where`` in the current transaction."""
        spec = self.tables[table]
        columns = ", ".join(f"{assignments.get(n, f'`{n}`')} AS `{n}`" for n in spec.names)
        self.insert_select(table, f"SELECT {columns} FROM {self.source(table)} WHERE {where}")

    def _commit(self, tx: Transaction) -> None:
        moves = {table: self._partitions(stage) for table, stage in tx.stages.items()}
        tx.partitions = moves
        with self._gate.exclusive():
            for table, parts in moves.items():
                if parts:
                    stage = tx.stages[table]
                    attach = ", ".join(f"ATTACH PARTITION ID {lit(p)} FROM {stage}" for p in parts)
                    self.connection.command(f"ALTER TABLE {table} {attach}")
            for table in moves:
                self._memos.pop(table, None)

    def _partitions(self, table: str) -> list[str]:
        return [str(r[0]) for r in self.rows(f"SELECT DISTINCT _partition_id FROM {table} ORDER BY 1")]

    def _compact(self, tx: Transaction) -> None:
        """Merge each partition the transaction wrote of its ``compact`` tables into one part."""
        for table, parts in tx.partitions.items():
            if table in tx.compact:
                for part in parts:
                    self.command(f"OPTIMIZE TABLE {table} PARTITION ID {lit(part)} FINAL")

    def _drop_stages(self, tx: Transaction) -> None:
        for stage in tx.stages.values():
            self.command(f"DROP TABLE IF EXISTS {stage} SYNC")

    def staged_keys(self, table: str) -> int:
        """How many distinct keys the current transaction has written to ``table``."""
        tx: Transaction | None = getattr(self._local, "tx", None)
        stage = tx.stages.get(table) if tx is not None else None
        if stage is None:
            return 0
        keys = ", ".join(self.tables[table].key)
        return int(self.value(f"SELECT count() FROM (SELECT DISTINCT {keys} FROM {stage})"))

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()
