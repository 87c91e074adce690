"""The measurements table: OONI-format service tests, de-duplicated by id, searchable by envelope.

SQL about measurements lives here, as functions taking a :class:`DuckDBStore`, so the store's
core class stays narrow. Rows are written in bulk through a DataFrame (one ``INSERT`` per batch),
which keeps the import of millions of measurements fast.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from netvigil.model.measurements import MeasurementRow
from netvigil.store.schema import columns_of, create_table_sql

if TYPE_CHECKING:  # the store module imports the migrations, which import this module
    from netvigil.store.duckdb_store import DuckDBStore

TABLE = "measurements"
_COLUMNS = [c.name for c in columns_of(MeasurementRow)]
_LIST_COLUMNS = [c for c in _COLUMNS if c != "body"]
_as_tuple = operator.attrgetter(*_COLUMNS)


def migration_statements() -> list[str]:
    """Migration 4: the table made from :class:`MeasurementRow` and its search indexes."""
    return [
        create_table_sql(TABLE, MeasurementRow, primary_key=("id",)),
        f"CREATE INDEX IF NOT EXISTS {TABLE}_where ON {TABLE} (probe_cc, test_name)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_time ON {TABLE} (measurement_start_time)",
    ]


@dataclass(frozen=True, slots=True)
class MeasurementQuery:
    """Which measurements to list; each field narrows, ``None`` does not. Times are Unix seconds."""

    probe_cc: str | None = None
    probe_asn: str | None = None
    test_name: str | None = None
    since: int | None = None
    until: int | None = None
    limit: int = 100


@contextmanager
def _cursor(store: DuckDBStore) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of our own: the store's shared one may hold an unfinished result of another query."""
    cur = store.cursor().cursor()
    try:
        yield cur
    finally:
        cur.close()


def insert_new(store: DuckDBStore, rows: Sequence[MeasurementRow]) -> int:
    """Insert rows whose id is not stored yet (nor repeated earlier in ``rows``); returns how many."""
    return insert_values(store, [_as_tuple(r) for r in rows])


def insert_values(store: DuckDBStore, values: Sequence[tuple[Any, ...]]) -> int:
    """:func:`insert_new` for rows given as tuples in :class:`MeasurementRow`'s field order.

    The bulk importer's path: no dataclass per row, one DataFrame and one ``INSERT`` per batch.
    """
    if not values:
        return 0
    frame = pd.DataFrame(values, columns=_COLUMNS)
    frame = frame.drop_duplicates(subset="id", keep="first")
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    with store._write_lock, _cursor(store) as cur:
        cur.register("msm_frame", frame)
        cur.execute("BEGIN TRANSACTION")
        try:
            before = _count(cur)
            cur.execute(f"INSERT OR IGNORE INTO {TABLE} ({cols}) SELECT {cols} FROM msm_frame")
            written = _count(cur) - before
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    return written


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    rows = cur.execute(f"SELECT count(*) FROM {TABLE}").fetchall()
    return int(rows[0][0])


def existing_ids(store: DuckDBStore, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are already stored."""
    if not ids:
        return set()
    with _cursor(store) as cur:
        rows = cur.execute(f"SELECT id FROM {TABLE} WHERE id IN (SELECT unnest(?))", [list(ids)]).fetchall()
    return {str(r[0]) for r in rows}


def search(store: DuckDBStore, query: MeasurementQuery) -> list[MeasurementRow]:
    """Stored measurements matching ``query`` (without their bodies), newest first."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("probe_cc", query.probe_cc),
        ("probe_asn", query.probe_asn),
        ("test_name", query.test_name),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if query.since is not None:
        clauses.append("measurement_start_time >= ?")
        params.append(query.since)
    if query.until is not None:
        clauses.append("measurement_start_time < ?")
        params.append(query.until)
    select = ", ".join(f'"{c}"' for c in _LIST_COLUMNS)
    sql = f"SELECT {select}, NULL AS body FROM {TABLE}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY measurement_start_time DESC, id LIMIT {max(0, int(query.limit))}"
    with _cursor(store) as cur:
        return [MeasurementRow(*row) for row in cur.execute(sql, params).fetchall()]


def get(store: DuckDBStore, measurement_id: str) -> MeasurementRow | None:
    """One stored measurement, with its body, by id."""
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    with _cursor(store) as cur:
        rows = cur.execute(f"SELECT {cols} FROM {TABLE} WHERE id = ?", [measurement_id]).fetchall()
    return MeasurementRow(*rows[0]) if rows else None


def count(store: DuckDBStore) -> int:
    """How many measurements are stored."""
    with _cursor(store) as cur:
        return _count(cur)


@dataclass(frozen=True, slots=True)
class ReachabilityCount:
    """Tests of one service from one network in one time bin: how many succeeded, of how many."""

    bin_start: int
    test_name: str
    probe_cc: str
    probe_asn: str
    ok: int
    total: int
    throttled: int = 0


def reachability_counts(store: DuckDBStore, since: int, until: int, step: int) -> list[ReachabilityCount]:
    """Per bin, test and network: tests that were ``ok`` of those that ran (``failure`` excluded)."""
    sql = (
        f"SELECT (measurement_start_time // {int(step)}) * {int(step)} AS bin, test_name, probe_cc, "
        "probe_asn, count(*) FILTER (WHERE verdict = 'ok') AS ok, count(*) AS total, "
        "count(*) FILTER (WHERE blocking_type = 'throttling') AS throttled "
        f"FROM {TABLE} WHERE measurement_start_time >= ? AND measurement_start_time < ? "
        "AND verdict <> 'failure' GROUP BY ALL ORDER BY bin, test_name, probe_cc, probe_asn"
    )
    with _cursor(store) as cur:
        rows = cur.execute(sql, [since, until]).fetchall()
    return [ReachabilityCount(int(b), t, c, a, int(o), int(n), int(x)) for b, t, c, a, o, n, x in rows]
