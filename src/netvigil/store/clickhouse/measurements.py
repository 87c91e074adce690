"""The measurements table in ClickHouse: OONI-format service tests, one row per id.

Ordered by id (so a measurement fetched twice is one row) and partitioned by the month it was
made in. A batch is inserted once, without the ids already stored.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from netvigil.model.measurements import MeasurementQuery, MeasurementRow, ReachabilityCount
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import Table, in_list, lit, month_of
from netvigil.store.migrations import MEASUREMENTS as NAME
from netvigil.store.migrations import VANTAGE, Migration

MEASUREMENTS = Table.of("measurements", MeasurementRow, ("id",), month_of("measurement_start_time"))
REGION_COLUMN = (
    "ALTER TABLE measurements ADD COLUMN IF NOT EXISTS probe_region Nullable(String)"
)
"""Stores made before the column existed get it (new ones have it from migration 4)."""
MIGRATIONS = (
    Migration(4, NAME, lambda: [MEASUREMENTS.ddl()]),
    Migration(8, VANTAGE, lambda: [REGION_COLUMN]),
)
_LISTED = ", ".join("NULL AS body" if n == "body" else f"`{n}`" for n in MEASUREMENTS.names)
"""Every column in the record's order, the body left out (NULL): what a search returns."""
_as_tuple = operator.attrgetter(*MEASUREMENTS.names)
_IDS_PER_QUERY = 2000  # an id list in the SQL text stays well under ClickHouse's max_query_size


class MeasurementTable:
    """The :class:`~netvigil.store.protocol.MeasurementStore` part on ClickHouse."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def insert(self, rows: Sequence[MeasurementRow]) -> int:
        """Insert rows whose id is not stored yet (nor repeated earlier in ``rows``); returns how many."""
        return self.insert_values([_as_tuple(r) for r in rows])

    def insert_values(self, values: Sequence[tuple[Any, ...]]) -> int:
        """:meth:`insert` for rows given as tuples in :class:`MeasurementRow`'s field order."""
        if not values:
            return 0
        with self._db.transaction():
            stored = self.existing_ids([v[0] for v in values])
            fresh: dict[str, tuple[Any, ...]] = {}
            for row in values:
                if row[0] not in stored and row[0] not in fresh:
                    fresh[row[0]] = row
            rows = list(fresh.values())
            self._db.insert_rows("measurements", rows)
        return len(rows)

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are already stored."""
        found: set[str] = set()
        for start in range(0, len(ids), _IDS_PER_QUERY):
            batch = ids[start : start + _IDS_PER_QUERY]
            where = in_list('id', batch)
            rows = self._db.rows(f"SELECT id FROM {self._db.source('measurements')} WHERE {where}")
            found.update(str(r[0]) for r in rows)
        return found

    def search(self, query: MeasurementQuery) -> list[MeasurementRow]:
        """Stored measurements matching ``query`` (without their bodies), newest first."""
        clauses = ["1"]
        for column, value in (
            ("probe_cc", query.probe_cc),
            ("probe_asn", query.probe_asn),
            ("test_name", query.test_name),
            ("probe_region", query.probe_region),
        ):
            if value is not None:
                clauses.append(f"{column} = {lit(value)}")
        if query.since is not None:
            clauses.append(f"measurement_start_time >= {lit(query.since)}")
        if query.until is not None:
            clauses.append(f"measurement_start_time < {lit(query.until)}")
        rows = self._db.rows(
            f"SELECT {_LISTED} FROM {self._db.source('measurements')} "
            f"WHERE {' AND '.join(clauses)} ORDER BY measurement_start_time DESC, id "
            f"LIMIT {max(0, int(query.limit))}"
        )
        return [MeasurementRow(*row) for row in rows]

    def get(self, measurement_id: str) -> MeasurementRow | None:
        """One stored measurement, with its body, by id."""
        rows = self._db.rows(
            f"SELECT {MEASUREMENTS.select_list()} FROM {self._db.source('measurements')} "
            f"WHERE id = {lit(measurement_id)}"
        )
        return MeasurementRow(*rows[0]) if rows else None

    def count(self) -> int:
        """How many measurements are stored."""
        return int(self._db.value(f"SELECT count() FROM {self._db.source('measurements')}"))

    def reachability_counts(self, since: int, until: int, step: int) -> list[ReachabilityCount]:
        """Per bin, test, network and region: tests that were ``ok`` of those run (``failure`` excluded)."""
        rows = self._db.rows(
            f"SELECT intDiv(measurement_start_time, {int(step)}) * {int(step)} AS bin, test_name, probe_cc, "
            "probe_asn, countIf(verdict = 'ok'), count(), countIf(blocking_type = 'throttling'), "
            "probe_region "
            f"FROM {self._db.source('measurements')} WHERE measurement_start_time >= {lit(since)} "
            f"AND measurement_start_time < {lit(until)} AND verdict != 'failure' "
            "GROUP BY bin, test_name, probe_cc, probe_asn, probe_region "
            "ORDER BY bin, test_name, probe_cc, probe_asn, probe_region NULLS FIRST"
        )
        return [
            ReachabilityCount(int(b), t, c, a, int(o), int(n), int(x), r) for b, t, c, a, o, n, x, r in rows
        ]
