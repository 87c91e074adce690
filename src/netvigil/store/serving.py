"""Reads shaped for serving.

Pre-aggregated series (hourly and daily roll-ups), bounded-size views, and a small key-value
table of service state (what the watch loop has done, when roll-ups ran).

Roll-ups hold the mean and the minimum of each series per hour and per day, so a chart of a
year reads 365 rows instead of 105,120. They are derived data, rebuilt by delete-and-insert, so the
table has no primary-key index (whose memory grows with every row); rows are written sorted by
entity, signal and time so DuckDB's zone maps skip everything a query does not ask for.
:func:`series_view` picks the finest table whose step is
not finer than the step the caller can show (``span / max_points``) and aggregates further in SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    from netvigil.store.duckdb_store import DuckDBStore

ROLLUP_STEPS: Final[tuple[int, ...]] = (3600, 86_400)
NICE_STEPS: Final[tuple[int, ...]] = (60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400)


@dataclass(frozen=True, slots=True)
class SeriesView:
    """A series as shown: bin starts (Unix s), mean value and minimum per bin, and the bin width."""

    entity: str
    signal: str
    step: int
    times: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    lows: npt.NDArray[np.float64]


def serving_tables() -> list[str]:
    """The ``signal_rollups`` and ``service_state`` tables (migration 5)."""
    return [
        "CREATE TABLE IF NOT EXISTS signal_rollups (entity VARCHAR NOT NULL, signal VARCHAR NOT NULL, "
        "step BIGINT NOT NULL, time BIGINT NOT NULL, value DOUBLE NOT NULL, low DOUBLE NOT NULL, "
        "n BIGINT NOT NULL, percent DOUBLE)",
        "CREATE TABLE IF NOT EXISTS service_state (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    ]


def get_state(store: DuckDBStore, key: str) -> str | None:
    """A stored service-state value (e.g. the watch loop's last detected time)."""
    row = store.cursor().execute("SELECT value FROM service_state WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row else None


def set_state(store: DuckDBStore, key: str, value: str) -> None:
    """Store a service-state value, replacing the old one."""
    store.cursor().execute("INSERT OR REPLACE INTO service_state VALUES (?, ?)", [key, value])


def _signals_mark(store: DuckDBStore) -> str:
    row = store.cursor().execute("SELECT count(*), max(time) FROM signals").fetchone()
    return f"{row[0]}:{row[1]}" if row else "0:None"


def refresh_rollups(store: DuckDBStore, since: int | None = None) -> None:
    """Rebuild the roll-ups from ``since`` (floored to a day) on, or all of them; one transaction."""
    cur = store.cursor()
    day = ROLLUP_STEPS[-1]
    start = (since // day) * day if since is not None else None
    cur.execute("BEGIN TRANSACTION")
    try:
        where = " WHERE time >= ?" if start is not None else ""
        params = [start] if start is not None else []
        cur.execute(f"DELETE FROM signal_rollups{where}", params)
        cur.execute(
            "INSERT INTO signal_rollups SELECT entity, signal, 3600, time // 3600 * 3600 AS bin, avg(value), "
            f"min(value), count(*), NULL FROM signals{where} GROUP BY entity, signal, bin "
            "ORDER BY entity, signal, bin",
            params,
        )
        _derive_daily(cur, start)
        row = cur.execute("SELECT max(time) FROM signals").fetchone()
        newest = "" if row is None or row[0] is None else str(row[0])
        cur.execute("INSERT OR REPLACE INTO service_state VALUES ('latest_time', ?)", [newest])
        cur.execute("INSERT OR REPLACE INTO service_state VALUES ('rollups_mark', ?)", [_signals_mark(store)])
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def _derive_daily(cur: duckdb.DuckDBPyConnection, start: int | None) -> None:
    where = " AND time >= ?" if start is not None else ""
    params = [start] if start is not None else []
    cur.execute(f"DELETE FROM signal_rollups WHERE step = 86400{where}", params)
    cur.execute(
        "INSERT INTO signal_rollups SELECT entity, signal, 86400, time // 86400 * 86400 AS bin, "
        "sum(value * n) / sum(n), min(low), sum(n), avg(percent) FROM signal_rollups "
        f"WHERE step = 3600{where} GROUP BY entity, signal, bin ORDER BY entity, signal, bin",
        params,
    )


def hourly_rows(store: DuckDBStore, entities: list[str], since: int | None) -> pd.DataFrame:
    """The hourly roll-up of ``entities`` from ``since`` on, sorted by entity, signal and time."""
    sql = (
        "SELECT entity, signal, time, value, low, n FROM signal_rollups WHERE step = 3600 "
        "AND entity IN (SELECT unnest(?)) AND time >= ? ORDER BY entity, signal, time"
    )
    return store.cursor().execute(sql, [entities, since if since is not None else -(2**62)]).df()


def write_percent(store: DuckDBStore, scored: pd.DataFrame, since: int | None) -> None:
    """Replace hourly rows of the frame's entities (entity, signal, time, value, low, n, percent).

    Only rows at or after ``since`` are replaced; one transaction.
    """
    cur = store.cursor()
    start = since if since is not None else -(2**62)
    entities = sorted(set(scored["entity"]))
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute(
            "DELETE FROM signal_rollups WHERE step = 3600 AND entity IN (SELECT unnest(?)) AND time >= ?",
            [entities, start],
        )
        cur.register("scored_frame", scored)
        cur.execute(
            "INSERT INTO signal_rollups SELECT entity, signal, 3600, time, value, low, n, percent "
            "FROM scored_frame WHERE time >= ? ORDER BY entity, signal, time",
            [start],
        )
        cur.unregister("scored_frame")
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def derive_daily(store: DuckDBStore, since: int | None) -> None:
    """Rebuild the daily roll-up (and its % of ordinary) from the hourly one, from ``since`` on."""
    cur = store.cursor()
    start = (since // 86_400) * 86_400 if since is not None else None
    cur.execute("BEGIN TRANSACTION")
    try:
        _derive_daily(cur, start)
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def rollup_entities(store: DuckDBStore) -> list[str]:
    """Every entity with an hourly roll-up."""
    rows = store.cursor().execute("SELECT DISTINCT entity FROM signal_rollups WHERE step = 86400 ORDER BY 1")
    return [str(r[0]) for r in rows.fetchall()]


def rollups_fresh(store: DuckDBStore) -> bool:
    """Whether the roll-ups were built from the signals as they are now."""
    return get_state(store, "rollups_mark") == _signals_mark(store)


def latest_time(store: DuckDBStore) -> int | None:
    """The newest signal time the store holds (as of the last roll-up), or None for an empty store."""
    value = get_state(store, "latest_time")
    return int(value) if value else None


def nice_step(seconds: int) -> int:
    """The smallest step at least ``seconds`` that divides a day (or is whole days), so bins align."""
    for step in NICE_STEPS:
        if step >= seconds:
            return step
    return math.ceil(seconds / 86_400) * 86_400


def _tier_sql(step: int, raw_step: int, percent: bool) -> tuple[str, dict[str, object]]:
    tier = max((t for t in ROLLUP_STEPS if t <= step), default=None)
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


def view_step(since: int, until: int, max_points: int, raw_step: int = 300) -> int:
    """The bin width a view of ``[since, until)`` in at most ``max_points`` bins uses."""
    step = nice_step(max(raw_step, math.ceil((until - since) / max(1, max_points))))
    tier = max((t for t in ROLLUP_STEPS if t <= step), default=None)
    return max(tier, (step // tier) * tier) if tier is not None else step


def series_views(
    store: DuckDBStore,
    entities: list[str],
    signals: list[str],
    since: int,
    until: int,
    max_points: int,
    raw_step: int = 300,
    percent: bool = False,
) -> list[SeriesView]:
    """Every stored (entity, signal) of the lists in ``[since, until)``, in one query, same bins for all.

    With ``percent`` the values are the stored % of ordinary of the hourly roll-up (bins of an hour
    or more only); see :mod:`netvigil.pipeline.rollups`.
    """
    step = view_step(since, until, max_points, raw_step)
    if percent and step < ROLLUP_STEPS[0]:
        raise ValueError("stored % of ordinary exists only for bins of an hour or more")
    sql, params = _tier_sql(step, raw_step, percent)
    params.update({"step": step, "entities": entities, "signals": signals, "since": since, "until": until})
    got = store.cursor().execute(sql, params).fetchnumpy()
    names = [f"{e}\x00{s}" for e, s in zip(got["entity"], got["signal"], strict=True)]
    columns = list(got)
    times = np.asarray(got[columns[2]], dtype=np.int64)
    means = np.ma.filled(np.ma.asarray(got[columns[3]], dtype=np.float64), np.nan)
    lows = np.ma.filled(np.ma.asarray(got[columns[4]], dtype=np.float64), np.nan)
    views: list[SeriesView] = []
    start = 0
    for end in [*(i for i in range(1, len(names)) if names[i] != names[i - 1]), len(names)]:
        if end > start:
            entity, signal = names[start].split("\x00")
            views.append(
                SeriesView(entity, signal, step, times[start:end], means[start:end], lows[start:end])
            )
        start = end
    return views


def series_view(
    store: DuckDBStore, entity: str, signal: str, since: int, until: int, max_points: int, raw_step: int = 300
) -> SeriesView:
    """One series in ``[since, until)`` in at most about ``max_points`` bins (mean and minimum)."""
    found = series_views(store, [entity], [signal], since, until, max_points, raw_step)
    if found:
        return found[0]
    empty = np.empty(0)
    step = view_step(since, until, max_points, raw_step)
    return SeriesView(entity, signal, step, empty.astype(np.int64), empty, empty)


def signals_of(store: DuckDBStore, entities: list[str]) -> dict[str, list[str]]:
    """The signal names stored for each entity (from the daily roll-up, cheap on big stores)."""
    rows = (
        store.cursor()
        .execute(
            "SELECT DISTINCT entity, signal FROM signal_rollups "
            "WHERE step = ? AND entity IN (SELECT unnest(?)) "
            "ORDER BY entity, signal",
            [ROLLUP_STEPS[-1], entities],
        )
        .fetchall()
    )
    found: dict[str, list[str]] = {e: [] for e in entities}
    for entity, signal in rows:
        found[entity].append(signal)
    return found


def stored_entities(store: DuckDBStore, like: str | None = None) -> list[str]:
    """Entities with any stored series (from the daily roll-up), optionally matching a LIKE pattern."""
    sql = "SELECT DISTINCT entity FROM signal_rollups WHERE step = ?"
    params: list[object] = [ROLLUP_STEPS[-1]]
    if like is not None:
        sql += " AND entity LIKE ?"
        params.append(like)
    return [str(r[0]) for r in store.cursor().execute(sql + " ORDER BY entity", params).fetchall()]
