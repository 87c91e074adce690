"""Reads shaped for serving, in ClickHouse: roll-ups of four tiers, bounded views, service state.

``signal_rollups`` is a ``ReplacingMergeTree`` ordered by (entity, signal, step, time), so a
rebuilt bin replaces the old one and a country page reads a few granules (of 1,024 rows, not 8,192:
a page wants a few hundred rows of each of many series). The half-hourly and hourly tiers are
partitioned by month, the half-daily and daily tiers by year (:data:`PARTITION`): every partition a
query touches costs about a millisecond of set-up in ClickHouse, so a year's chart reads one or two
parts instead of twelve or thirteen, while a live refresh rewrites only the current month of the
fine tiers and the current year of the small coarse ones. The
derivation of the coarser tiers, the last step of every rebuild
(:func:`netvigil.pipeline.rollups.score_rollups`), compacts the partitions it wrote, which are
those the rebuild wrote (one part each, see
:mod:`.database`), so the ``FINAL`` of a read has nothing left to merge. Which series and entities
exist, and the service state, are kept in the database's memo (:meth:`Database.memo`) until a
commit changes them.

The roll-ups are built by ``INSERT … SELECT`` from ``signals FINAL`` when
:meth:`RollupTable.refresh` runs, not by an incremental materialised view: a view sees each
inserted block, not the table after replacement, so a re-ingested point would be counted twice
and the means would differ from DuckDB's (docs/design/clickhouse.md says more). A refresh replaces
the bins it recomputes; unlike DuckDB it does not delete bins whose raw points have gone (a TTL on
raw points keeps the roll-ups). The tiers and the bins a view uses are in
:mod:`netvigil.store.rollups`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from netvigil.model.series import SeriesView
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import DELETED, VERSION, Table, in_list, lit, month_of, year_of
from netvigil.store.columns import Column
from netvigil.store.migrations import ROLLUP_PARTITIONS, SERVICE, Migration
from netvigil.store.rollups import (
    FINEST_STEP,
    ROLLUP_STEPS,
    YEARLY_FROM_STEP,
    derivations,
    rollup_tier,
    rollups_mark,
    signals_from_spans,
    split_views,
    view_step,
)

PARTITION: Final = f"if(step >= {YEARLY_FROM_STEP}, {year_of('time')}, {month_of('time')})"
ROLLUPS = Table(
    "signal_rollups",
    (
        Column("entity", str, nullable=False, json=False),
        Column("signal", str, nullable=False, json=False),
        Column("step", int, nullable=False, json=False),
        Column("time", int, nullable=False, json=False),
        Column("value", float, nullable=False, json=False),
        Column("low", float, nullable=False, json=False),
        Column("n", int, nullable=False, json=False),
        Column("percent", float, nullable=True, json=False),
    ),
    ("entity", "signal", "step", "time"),
    PARTITION,
    granularity=1024,
)
STATE = Table(
    "service_state",
    (Column("key", str, nullable=False, json=False), Column("value", str, nullable=False, json=False)),
    ("key",),
)


def _repartition() -> list[str]:
    """Migration 9: the roll-ups again, empty, with the yearly coarse partitions, and marked stale.

    Roll-ups are derived data: dropping the mark makes the next
    :func:`netvigil.pipeline.rollups.ensure_rollups` rebuild them from the signals.
    """
    return [
        "DROP TABLE IF EXISTS signal_rollups SYNC",
        ROLLUPS.ddl(),
        f"INSERT INTO service_state (key, value, {VERSION}, {DELETED}) "
        "SELECT 'rollups_mark', '', toUnixTimestamp64Nano(now64(9)), 1",
    ]


MIGRATIONS = (
    Migration(5, SERVICE, lambda: [ROLLUPS.ddl(), STATE.ddl()]),
    Migration(9, ROLLUP_PARTITIONS, _repartition),
)
_DAY = ROLLUP_STEPS[-1]


class StateTable:
    """The :class:`~netvigil.store.protocol.StateStore` part on ClickHouse."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> str | None:
        """A stored service-state value (e.g. the watch loop's last detected time)."""
        memo = self._db.memo("service_state")
        if key not in memo:
            source = self._db.source("service_state")
            value = self._db.value(f"SELECT value FROM {source} WHERE key = {lit(key)}")
            memo[key] = None if value is None else str(value)
        found: str | None = memo[key]
        return found

    def set(self, key: str, value: str) -> None:
        """Store a service-state value, replacing the old one."""
        with self._db.transaction():
            self._db.insert_rows("service_state", [[key, value]])


def _bin(step: int) -> str:
    return f"intDiv(time, {int(step)}) * {int(step)}"


def _tier_sql(step: int, raw_step: int, percent: bool, where: str, db: Database) -> str:
    """The one query of a view: from the finest roll-up tier that fits, or from the raw points."""
    tier = rollup_tier(step)
    if tier is not None:
        columns = "sum(value * n) / sum(n) AS mean, min(low) AS low"
        if percent:
            columns = "sum(percent * n) / sum(n) AS mean, min(low * percent / nullIf(value, 0)) AS low"
        return (
            f"SELECT entity, signal, {_bin(step)} AS bin, {columns} FROM {db.source('signal_rollups')} "
            f"WHERE step = {tier} AND {where} GROUP BY entity, signal, bin ORDER BY entity, signal, bin"
        )
    if step <= raw_step:
        return (
            f"SELECT entity, signal, time AS bin, value AS mean, value AS low FROM {db.source('signals')} "
            f"WHERE {where} ORDER BY entity, signal, time"
        )
    return (
        f"SELECT entity, signal, {_bin(step)} AS bin, avg(value) AS mean, min(value) AS low "
        f"FROM {db.source('signals')} WHERE {where} GROUP BY entity, signal, bin ORDER BY entity, signal, bin"
    )


class RollupTable:
    """The :class:`~netvigil.store.protocol.RollupStore` part on ClickHouse."""

    def __init__(self, db: Database, state: StateTable) -> None:
        self._db = db
        self._state = state

    def _signals_mark(self) -> str:
        count, newest = self._db.rows(f"SELECT count(), maxOrNull(time) FROM {self._db.source('signals')}")[0]
        return rollups_mark(count, newest)

    def refresh(self, since: int | None = None) -> None:
        """Rebuild the roll-ups from ``since`` (floored to a day) on, or all of them; one transaction."""
        start = (since // _DAY) * _DAY if since is not None else None
        where = f" WHERE time >= {lit(start)}" if start is not None else ""
        with self._db.transaction():
            self._db.insert_select(
                "signal_rollups",
                f"SELECT entity, signal, {FINEST_STEP}, {_bin(FINEST_STEP)} AS bin, avg(value), min(value), "
                f"count(), CAST(NULL AS Nullable(Float64)) FROM {self._db.source('signals')}{where} "
                "GROUP BY entity, signal, bin",
            )
            self._derive_coarser(start)
            newest = self._db.value(f"SELECT maxOrNull(time) FROM {self._db.source('signals')}")
            self._state.set("latest_time", "" if newest is None else str(newest))
            self._state.set("rollups_mark", self._signals_mark())

    def finest_rows(self, entities: Sequence[str], since: int | None) -> pd.DataFrame:
        """The finest tier of ``entities`` from ``since`` on, sorted by entity, signal and time."""
        after = f" AND time >= {lit(since)}" if since is not None else ""
        return self._db.frame(
            f"SELECT entity, signal, time, value, low, n FROM {self._db.source('signal_rollups')} "
            f"WHERE step = {FINEST_STEP} AND {in_list('entity', entities)}{after} "
            "ORDER BY entity, signal, time"
        )

    def write_percent(self, scored: pd.DataFrame, since: int | None) -> None:
        """Replace finest-tier rows of the frame's entities (entity, signal, time, value, low, n, percent).

        Only rows at or after ``since`` are replaced; one transaction.
        """
        rows = scored[scored["time"] >= since] if since is not None else scored
        after = f" AND time >= {lit(since)}" if since is not None else ""
        with self._db.transaction():
            entities = in_list("entity", sorted(set(scored["entity"])))
            self._db.delete("signal_rollups", f"step = {FINEST_STEP} AND {entities}{after}")
            values = {name: rows[name].to_numpy() for name in ROLLUPS.names if name != "step"}
            values["step"] = np.full(len(rows), FINEST_STEP, dtype=np.int64)
            self._db.insert("signal_rollups", values)

    def derive_coarser(self, since: int | None) -> None:
        """Rebuild every coarser tier (and its % of ordinary) from the finest one, from ``since`` on."""
        with self._db.transaction(compact=(ROLLUPS.name,)):
            self._derive_coarser((since // _DAY) * _DAY if since is not None else None)

    def _derive_coarser(self, start: int | None) -> None:
        """Each coarser tier from the one below it (weighted mean, minimum, mean %), from ``start``."""
        after = f" AND time >= {lit(start)}" if start is not None else ""
        for finer, coarser in derivations():
            self._db.insert_select(
                "signal_rollups",
                f"SELECT entity, signal, {coarser}, {_bin(coarser)} AS bin, sum(value * n) / sum(n), "
                f"min(low), sum(n), avg(percent) FROM {self._db.source('signal_rollups')} "
                f"WHERE step = {finer}{after} GROUP BY entity, signal, bin",
            )

    def entities(self) -> list[str]:
        """Every entity with a daily roll-up."""
        return self.stored_entities()

    def fresh(self) -> bool:
        """Whether the roll-ups were built from the signals as they are now."""
        return self._state.get("rollups_mark") == self._signals_mark()

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
        where = (
            f"{in_list('entity', entities)} AND {in_list('signal', signals)} "
            f"AND time >= {lit(since)} AND time < {lit(until)}"
        )
        got = self._db.frame(_tier_sql(step, raw_step, percent, where, self._db))
        return split_views({name: got[name].to_numpy() for name in got.columns}, step)

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
        """The signal names stored for each entity (from the daily roll-up; remembered until a write)."""
        return signals_from_spans(entities, self.day_spans(entities))

    def day_spans(self, entities: Sequence[str] | None = None) -> dict[tuple[str, str], tuple[int, int]]:
        """The first and last day of each stored (entity, signal) of ``entities`` (all with None).

        Where the memo is kept, the first call reads the spans of every stored series at once (one
        small query over the daily tier), so a page about an entity not asked about before reads
        nothing until the next write.
        """
        if not self._db.keeps_memo("signal_rollups"):
            return self._read_day_spans(entities)
        memo = self._db.memo("signal_rollups")
        if "spans" not in memo:
            by_entity: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}
            for key, span in self._read_day_spans(None).items():
                by_entity.setdefault(key[0], {})[key] = span
            memo["spans"] = by_entity
        every: dict[str, dict[tuple[str, str], tuple[int, int]]] = memo["spans"]
        chosen = every if entities is None else dict.fromkeys(entities)
        return {key: span for entity in chosen for key, span in every.get(entity, {}).items()}

    def _read_day_spans(self, entities: Sequence[str] | None) -> dict[tuple[str, str], tuple[int, int]]:
        among = f" AND {in_list('entity', list(dict.fromkeys(entities)))}" if entities is not None else ""
        rows = self._db.rows(
            f"SELECT entity, signal, min(time), max(time) FROM {self._db.source('signal_rollups')} "
            f"WHERE step = {_DAY}{among} GROUP BY entity, signal"
        )
        return {(str(e), str(s)): (int(first), int(last)) for e, s, first, last in rows}

    def stored_entities(self, like: str | None = None) -> list[str]:
        """Entities with any stored series (from the daily roll-up), optionally matching a LIKE pattern.

        Remembered until a write.
        """
        memo = self._db.memo("signal_rollups")
        if ("entities", like) not in memo:
            matching = f" AND entity LIKE {lit(like)}" if like is not None else ""
            rows = self._db.rows(
                f"SELECT DISTINCT entity FROM {self._db.source('signal_rollups')} "
                f"WHERE step = {_DAY}{matching} ORDER BY entity"
            )
            memo[("entities", like)] = tuple(str(r[0]) for r in rows)
        return list(memo[("entities", like)])
