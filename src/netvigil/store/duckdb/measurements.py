"""The measurements table in DuckDB: OONI-format service tests, de-duplicated by id.

Rows are written in bulk through a DataFrame (one ``INSERT`` per batch), which keeps the import of
millions of measurements fast. Reads take a cursor of their own (see
:meth:`~netvigil.store.duckdb.database.Database.own_cursor`).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from netvigil.model.measurements import MeasurementQuery, MeasurementRow, ReachabilityCount
from netvigil.store.duckdb.database import Database
from netvigil.store.duckdb.migrations import Migration
from netvigil.store.duckdb.schema import columns_of, create_table_sql
from netvigil.store.migrations import MEASUREMENTS, VANTAGE

TABLE = "measurements"
_COLUMNS = [c.name for c in columns_of(MeasurementRow)]
_LISTED = ", ".join("NULL AS body" if c == "body" else f'"{c}"' for c in _COLUMNS)
"""Every column in the record's order, the body left out (NULL): what a search returns."""
_as_tuple = operator.attrgetter(*_COLUMNS)


def _tables() -> list[str]:
    return [
        create_table_sql(TABLE, MeasurementRow, primary_key=("id",)),
        f"CREATE INDEX IF NOT EXISTS {TABLE}_where ON {TABLE} (probe_cc, test_name)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_time ON {TABLE} (measurement_start_time)",
    ]


def _region_column() -> list[str]:
    """Stores made before the column existed get it (new ones have it from migration 4)."""
    return [f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS probe_region VARCHAR"]


MIGRATIONS = (Migration(4, MEASUREMENTS, _tables), Migration(8, VANTAGE, _region_column))


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    rows = cur.execute(f"SELECT count(*) FROM {TABLE}").fetchall()
    return int(rows[0][0])


class MeasurementTable:
    """The :class:`~netvigil.store.protocol.MeasurementStore` part on DuckDB."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, rows: Sequence[MeasurementRow]) -> int:
        """Insert rows whose id is not stored yet (nor repeated earlier in ``rows``); returns how many."""
        return self.insert_values([_as_tuple(r) for r in rows])

    def insert_values(self, values: Sequence[tuple[Any, ...]]) -> int:
        """:meth:`insert` for rows given as tuples in :class:`MeasurementRow`'s field order.

        The bulk importer's path: no dataclass per row, one DataFrame and one ``INSERT`` per batch.
        """
        if not values:
            return 0
        frame = pd.DataFrame(values, columns=_COLUMNS)
        frame = frame.drop_duplicates(subset="id", keep="first")
        cols = ", ".join(f'"{c}"' for c in _COLUMNS)
        with self._db.transaction() as cur:
            cur.register("msm_frame", frame)
            try:
                before = _count(cur)
                cur.execute(f"INSERT OR IGNORE INTO {TABLE} ({cols}) SELECT {cols} FROM msm_frame")
                return _count(cur) - before
            finally:
                cur.unregister("msm_frame")

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are already stored."""
        if not ids:
            return set()
        with self._db.own_cursor() as cur:
            sql = f"SELECT id FROM {TABLE} WHERE id IN (SELECT unnest(?))"
            rows = cur.execute(sql, [list(ids)]).fetchall()
        return {str(r[0]) for r in rows}

    def search(self, query: MeasurementQuery) -> list[MeasurementRow]:
        """Stored measurements matching ``query`` (without their bodies), newest first."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("probe_cc", query.probe_cc),
            ("probe_asn", query.probe_asn),
            ("test_name", query.test_name),
            ("probe_region", query.probe_region),
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
        sql = f"SELECT {_LISTED} FROM {TABLE}"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += f" ORDER BY measurement_start_time DESC, id LIMIT {max(0, int(query.limit))}"
        with self._db.own_cursor() as cur:
            return [MeasurementRow(*row) for row in cur.execute(sql, params).fetchall()]

    def get(self, measurement_id: str) -> MeasurementRow | None:
        """One stored measurement, with its body, by id."""
        cols = ", ".join(f'"{c}"' for c in _COLUMNS)
        with self._db.own_cursor() as cur:
            rows = cur.execute(f"SELECT {cols} FROM {TABLE} WHERE id = ?", [measurement_id]).fetchall()
        return MeasurementRow(*rows[0]) if rows else None

    def count(self) -> int:
        """How many measurements are stored."""
        with self._db.own_cursor() as cur:
            return _count(cur)

    def reachability_counts(self, since: int, until: int, step: int) -> list[ReachabilityCount]:
        """Per bin, test, network and region: tests that were ``ok`` of those run (``failure`` excluded)."""
        sql = (
            f"SELECT (measurement_start_time // {int(step)}) * {int(step)} AS bin, test_name, probe_cc, "
            "probe_asn, count(*) FILTER (WHERE verdict = 'ok') AS ok, count(*) AS total, "
            "count(*) FILTER (WHERE blocking_type = 'throttling') AS throttled, probe_region "
            f"FROM {TABLE} WHERE measurement_start_time >= ? AND measurement_start_time < ? "
            "AND verdict <> 'failure' GROUP BY ALL "
            "ORDER BY bin, test_name, probe_cc, probe_asn, probe_region NULLS FIRST"
        )
        with self._db.own_cursor() as cur:
            rows = cur.execute(sql, [since, until]).fetchall()
        return [
            ReachabilityCount(int(b), t, c, a, int(o), int(n), int(x), r) for b, t, c, a, o, n, x, r in rows
        ]
