"""Reads shaped for serving, in DuckDB: roll-ups of four tiers, bounded views, service state.

Roll-ups are derived data, rebuilt by delete-and-insert, so the table has no primary-key index
(whose memory grows with every row); rows are written sorted by entity, signal and time so
DuckDB's zone maps skip everything a query does not ask for. The tiers and the bins a view uses
are in :mod:`netvigil.store.rollups`. Service state is a small key-value table (what the watch
loop has done, when roll-ups ran).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from netvigil.model.series import SeriesView
from netvigil.store.duckdb.database import Database
from netvigil.store.duckdb.migrations import SERVICE, Migration
from netvigil.store.migrations import ROLLUP_PARTITIONS
from netvigil.store.rollups import (
    FINEST_STEP,
    ROLLUP_STEPS,
    derivations,
    rollup_tier,
    rollups_mark,
    signals_from_spans,
    split_views,
    view_step,
)

_FOREVER = -(2**62)


def _tables() -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS signal_rollups (entity VARCHAR NOT NULL, signal VARCHAR NOT NULL, "
        "step BIGINT NOT NULL, time BIGINT NOT NULL, value DOUBLE NOT NULL, low DOUBLE NOT NULL, "
        "n BIGINT NOT NULL, percent DOUBLE)",
        "CREATE TABLE IF NOT EXISTS service_state (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    ]


# Migration 9 partitions ClickHouse's coarse tiers by year; DuckDB has no partitions, so it only
# records the step, and every backend keeps the same version numbers.
MIGRATIONS = (Migration(5, SERVICE, _tables), Migration(9, ROLLUP_PARTITIONS, list))


class StateTable:
    """The :class:`~netvigil.store.protocol.StateStore` part on DuckDB."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> str | None:
        """A stored service-state value (e.g. the watch loop's last detected time)."""
        with self._db.reading() as cur:
            row = cur.execute("SELECT value FROM service_state WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def set(self, key: str, value: str) -> None:
        """Store a service-state value, replacing the old one."""
        with self._db.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO service_state VALUES (?, ?)", [key, value])


def _signals_mark(cur: duckdb.DuckDBPyConnection) -> str:
    row = cur.execute("SELECT count(*), max(time) FROM signals").fetchone()
    return rollups_mark(*row) if row else rollups_mark(0, None)


def _derive_coarser(cur: duckdb.DuckDBPyConnection, start: int | None) -> None:
    """Rebuild each coarser tier from the one below it (weighted mean, minimum, mean %), from ``start``."""
    where = " AND time >= ?" if start is not None else ""
    for finer, coarser in derivations():
        params: list[object] = [start] if start is not None else []
        cur.execute(f"DELETE FROM signal_rollups WHERE step = {coarser}{where}", params)
        cur.execute(
            f"INSERT INTO signal_rollups SELECT entity, signal, {coarser}, "
            f"time // {coarser} * {coarser} AS bin, sum(value * n) / sum(n), min(low), sum(n), avg(percent) "
            "FROM signal_rollups "
            f"WHERE step = {finer}{where} GROUP BY entity, signal, bin ORDER BY entity, signal, bin",
            params,
        )


def _tier_sql(step: int, raw_step: int, percent: bool) -> tuple[str, dict[str, object]]:
    tier = rollup_tier(step)
    keys = "entity IN (SELECT unnest($entities)) AND signal IN (SELECT unnest($signals))"
    if tier is not None:
        columns = "sum(value * n) / sum(n), min(low)"
        if percent:
            columns = "sum(percent * n) / sum(n), min(low * percent / nullif(value, 0))"
        sql = (
            f"SELECT entity, signal, time // $step * $step AS bin, {columns} "
            f"FROM signal_rollups WHERE step = $tier AND {keys} AND time >= $since AND time < $until "
            "GROUP BY entity, signal, bin ORDER BY entity, signal, bin"
        )
        return sql, {"tier": tier}
    if step <= raw_step:
        sql = (
            f"SELECT entity, signal, time AS bin, value, value FROM signals WHERE {keys} "
            "AND time >= $since AND time < $until AND $step > 0 ORDER BY entity, signal, time"
        )
        return sql, {}
    sql = (
        "SELECT entity, signal, time // $step * $step AS bin, avg(value), min(value) FROM signals "
        f"WHERE {keys} AND time >= $since AND time < $until GROUP BY entity, signal, bin "
        "ORDER BY entity, signal, bin"
    )
    return sql, {}


class RollupTable:
    """The :class:`~netvigil.store.protocol.RollupStore` part on DuckDB."""

    def __init__(self, db: Database, state: StateTable) -> None:
        self._db = db
        self._state = state

    def refresh(self, since: int | None = None) -> None:
        """Rebuild the roll-ups from ``since`` (floored to a day) on, or all of them; one transaction."""
        day = ROLLUP_STEPS[-1]
        start = (since // day) * day if since is not None else None
        with self._db.transaction() as cur:
            where = " WHERE time >= ?" if start is not None else ""
            params = [start] if start is not None else []
            cur.execute(f"DELETE FROM signal_rollups{where}", params)
            cur.execute(
                f"INSERT INTO signal_rollups SELECT entity, signal, {FINEST_STEP}, "
                f"time // {FINEST_STEP} * {FINEST_STEP} AS bin, avg(value), min(value), count(*), NULL "
                f"FROM signals{where} GROUP BY entity, signal, bin ORDER BY entity, signal, bin",
                params,
            )
            _derive_coarser(cur, start)
            row = cur.execute("SELECT max(time) FROM signals").fetchone()
            newest = "" if row is None or row[0] is None else str(row[0])
            cur.execute("INSERT OR REPLACE INTO service_state VALUES ('latest_time', ?)", [newest])
            mark = _signals_mark(cur)
            cur.execute("INSERT OR REPLACE INTO service_state VALUES ('rollups_mark', ?)", [mark])

    def finest_rows(self, entities: Sequence[str], since: int | None) -> pd.DataFrame:
        """The finest tier of ``entities`` from ``since`` on, sorted by entity, signal and time."""
        sql = (
            f"SELECT entity, signal, time, value, low, n FROM signal_rollups WHERE step = {FINEST_STEP} "
            "AND entity IN (SELECT unnest(?)) AND time >= ? ORDER BY entity, signal, time"
        )
        with self._db.reading() as cur:
            return cur.execute(sql, [list(entities), since if since is not None else _FOREVER]).df()

    def write_percent(self, scored: pd.DataFrame, since: int | None) -> None:
        """Replace finest-tier rows of the frame's entities (entity, signal, time, value, low, n, percent).

        Only rows at or after ``since`` are replaced; one transaction.
        """
        start = since if since is not None else _FOREVER
        entities = sorted(set(scored["entity"]))
        with self._db.transaction() as cur:
            cur.execute(
                "DELETE FROM signal_rollups WHERE step = ? AND entity IN (SELECT unnest(?)) AND time >= ?",
                [FINEST_STEP, entities, start],
            )
            cur.register("scored_frame", scored)
            try:
                cur.execute(
                    f"INSERT INTO signal_rollups SELECT entity, signal, {FINEST_STEP}, time, value, low, n, "
                    "percent FROM scored_frame WHERE time >= ? ORDER BY entity, signal, time",
                    [start],
                )
            finally:
                cur.unregister("scored_frame")

    def derive_coarser(self, since: int | None) -> None:
        """Rebuild every coarser tier (and its % of ordinary) from the finest one, from ``since`` on."""
        day = ROLLUP_STEPS[-1]
        start = (since // day) * day if since is not None else None
        with self._db.transaction() as cur:
            _derive_coarser(cur, start)

    def entities(self) -> list[str]:
        """Every entity with a daily roll-up."""
        with self._db.reading() as cur:
            rows = cur.execute(
                "SELECT DISTINCT entity FROM signal_rollups WHERE step = ? ORDER BY 1", [ROLLUP_STEPS[-1]]
            )
            return [str(r[0]) for r in rows.fetchall()]

    def fresh(self) -> bool:
        """Whether the roll-ups were built from the signals as they are now."""
        with self._db.reading() as cur:
            mark = _signals_mark(cur)
        return self._state.get("rollups_mark") == mark

    def latest_time(self) -> int | None:
        """The newest signal time the store holds (as of the last roll-up), or None for an empty store."""
        value = self._state.get("latest_time")
        return int(value) if value else None

    def series_views(
        self,
        entities: Sequence[str],
        signals: Sequence[str],
        since: int,
        until: int,
        max_points: int,
        raw_step: int = 300,
        percent: bool = False,
    ) -> list[SeriesView]:
        """Every stored (entity, signal) of the lists in ``[since, until)``, in one query, same bins for all.

        With ``percent`` the values are the stored % of ordinary of the roll-ups (bins of the finest
        tier or coarser only); see :mod:`netvigil.pipeline.rollups`.
        """
        step = view_step(since, until, max_points, raw_step)
        if percent and step < FINEST_STEP:
            raise ValueError(f"stored % of ordinary exists only for bins of {FINEST_STEP} s or more")
        sql, params = _tier_sql(step, raw_step, percent)
        params.update({"step": step, "since": since, "until": until})
        params.update({"entities": list(entities), "signals": list(signals)})
        with self._db.reading() as cur:
            got = cur.execute(sql, params).fetchnumpy()
        return split_views(got, step)

    def series_view(
        self, entity: str, signal: str, since: int, until: int, max_points: int, raw_step: int = 300
    ) -> SeriesView:
        """One series in ``[since, until)`` in at most about ``max_points`` bins (mean and minimum)."""
        found = self.series_views([entity], [signal], since, until, max_points, raw_step)
        if found:
            return found[0]
        empty = np.empty(0)
        step = view_step(since, until, max_points, raw_step)
        return SeriesView(entity, signal, step, empty.astype(np.int64), empty, empty)

    def signals_of(self, entities: Sequence[str]) -> dict[str, list[str]]:
        """The signal names stored for each entity (from the daily roll-up, cheap on big stores)."""
        return signals_from_spans(entities, self.day_spans(entities))

    def day_spans(self, entities: Sequence[str] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
        """The first and last day of each stored (entity, signal) of ``entities`` (all with None)."""
        among = " AND entity IN (SELECT unnest(?))" if entities is not None else ""
        params: list[object] = [ROLLUP_STEPS[-1], *([list(entities)] if entities is not None else [])]
        with self._db.reading() as cur:
            rows = cur.execute(
                "SELECT entity, signal, min(time), max(time) FROM signal_rollups "
                f"WHERE step = ?{among} GROUP BY entity, signal",
                params,
            ).fetchall()
        return {(str(e), str(s)): (int(first), int(last)) for e, s, first, last in rows}

    def stored_entities(self, like: str | None = None) -> list[str]:
        """Entities with any stored series (from the daily roll-up), optionally matching a LIKE pattern."""
        sql = "SELECT DISTINCT entity FROM signal_rollups WHERE step = ?"
        params: list[object] = [ROLLUP_STEPS[-1]]
        if like is not None:
            sql += " AND entity LIKE ?"
            params.append(like)
        with self._db.reading() as cur:
            return [str(r[0]) for r in cur.execute(sql + " ORDER BY entity", params).fetchall()]
