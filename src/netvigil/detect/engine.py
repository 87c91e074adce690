"""The detector, batch and streaming: series in, events out, with identical results either way.

Batch lays every series on a row-per-day grid, computes baselines row by row for all series of
one step at once, fuses each entity's signals, and runs each entity's tracker only where
something is abnormal. Streaming keeps the same baseline state and trackers and is fed one bin at
a time; a test checks that both give the same events.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from netvigil.detect.baseline import BaselineState, half_width_for
from netvigil.detect.cause import with_suggestions
from netvigil.detect.config import DetectorConfig
from netvigil.detect.events import EntityTracker
from netvigil.detect.fusion import fuse
from netvigil.detect.grid import FloatArray, Grid, IntArray, grid_covering, infer_step, place
from netvigil.detect.hierarchy import EntityInfo, apply_hierarchy
from netvigil.geo.zones import utc_offset_hours
from netvigil.model.errors import StepError
from netvigil.model.events import Event

STORED = np.float32


@dataclass(frozen=True, slots=True)
class Series:
    """One input series."""

    entity: str
    signal: str
    times: IntArray
    values: FloatArray


@dataclass(frozen=True, slots=True)
class Levels:
    """Levels (% of ordinary) of a group of series on one grid: rows of ``keys`` x bins.

    ``spread`` is each series' noise (series x rows x blocks of ``block`` bins; NaN while unknown),
    kept per block rather than per bin because it is constant within one.
    """

    grid: Grid
    keys: list[tuple[str, str]]
    level: npt.NDArray[np.float32]
    relearning: npt.NDArray[np.bool_]
    spread: npt.NDArray[np.float32] | None = None
    block: int = 1

    def spread_of(self, index: int) -> FloatArray:
        """One series' noise per bin (NaN everywhere when unknown)."""
        if self.spread is None:
            return np.full(self.grid.bins, np.nan)
        per_bin = np.repeat(self.spread[index].astype(np.float64), self.block, axis=1)
        return np.asarray(per_bin[:, : self.grid.period].reshape(-1))


@dataclass(frozen=True, slots=True)
class Detection:
    """What a detector run gives: final events, the raw per-entity ones, and skipped series."""

    events: list[Event]
    raw: list[Event]
    skipped: list[str] = field(default_factory=list)


def thresholds(keys: Sequence[tuple[str, str]], config: DetectorConfig) -> tuple[FloatArray, FloatArray]:
    """Warning and critical thresholds of each series, for history masking."""
    warning = np.array([config.rule(signal).warning for _, signal in keys], dtype=np.float64)
    critical = np.array([config.rule(signal).critical for _, signal in keys], dtype=np.float64)
    return warning, critical


def levels_for(
    grid: Grid, keys: list[tuple[str, str]], values: npt.NDArray[np.float32], config: DetectorConfig
) -> Levels:
    """Levels of a (series, rows, period) matrix; computed row by row, in place of a copy."""
    series = values.shape[0]
    state = BaselineState.empty(series, grid, thresholds(keys, config), config)
    level = np.empty(values.shape, dtype=STORED)
    spread = np.empty((series, grid.rows, state.residual.shape[2]), dtype=STORED)
    relearning = np.zeros((series, grid.rows), dtype=np.bool_)
    half = half_width_for(grid.step, config)
    for row in range(grid.rows):
        baseline, daily, masking = state.begin_row(config)
        spread[:, row, :] = state.spread_blocks(config)
        current = values[:, row, :].astype(np.float64)
        level[:, row, :] = row_level(current, baseline)
        relearning[:, row] = ~masking
        state.end_row(current, baseline, daily, masking, config, half)
    return Levels(grid, keys, level.reshape(series, grid.bins), relearning, spread, state.block)


def row_level(values: FloatArray, baseline: FloatArray) -> FloatArray:
    """100 x value / baseline, NaN where either is missing or the baseline is not positive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(baseline > 0, 100.0 * values / baseline, np.nan)


def _group_by_step(series: Iterable[Series], skipped: list[str]) -> dict[int, list[Series]]:
    groups: dict[int, list[Series]] = {}
    for s in series:
        try:
            step = infer_step(s.times)
        except StepError as exc:
            skipped.append(f"{s.entity}/{s.signal}: {exc}")
            continue
        groups.setdefault(step, []).append(s)
    return groups


def compute_levels(series: Iterable[Series], config: DetectorConfig, skipped: list[str]) -> list[Levels]:
    """Levels of every series, one :class:`Levels` per step."""
    out: list[Levels] = []
    for step, members in sorted(_group_by_step(series, skipped).items()):
        first = min(int(s.times.min()) for s in members)
        last = max(int(s.times.max()) for s in members)
        grid = grid_covering(step, first, last)
        matrix = np.stack([place(grid, s.times, s.values).astype(STORED) for s in members])
        out.append(levels_for(grid, [(s.entity, s.signal) for s in members], matrix, config))
    return out


@dataclass(frozen=True, slots=True)
class EntitySeries:
    """One entity's signals laid on its finest grid: levels, noise (signals x bins), relearning flags."""

    entity: str
    grid: Grid
    signals: tuple[str, ...]
    level: FloatArray
    relearning: npt.NDArray[np.bool_]
    spread: FloatArray | None = None


def by_entity(groups: Sequence[Levels]) -> Iterator[EntitySeries]:
    """Regroup levels per entity, resampling coarser signals onto the entity's finest grid.

    One entity at a time: its float64 levels and noise per bin are made only when it is tracked,
    so a year of 300 entities never holds them all at once.
    """
    rows: dict[str, list[tuple[Levels, int, str]]] = {}
    for group in groups:
        for index, (entity, signal) in enumerate(group.keys):
            rows.setdefault(entity, []).append((group, index, signal))
    for entity, members in sorted(rows.items()):
        members.sort(key=lambda m: (m[0].grid.step, m[2]))
        grid = members[0][0].grid
        times = grid.times()
        levels = np.full((len(members), grid.bins), np.nan)
        spread = np.full((len(members), grid.bins), np.nan)
        relearn = np.zeros((len(members), grid.bins), dtype=np.bool_)
        for k, (group, index, _) in enumerate(members):
            position = group.grid.index(times)
            ok = (position >= 0) & (position < group.grid.bins)
            levels[k, ok] = group.level[index, position[ok]]
            spread[k, ok] = group.spread_of(index)[position[ok]]
            relearn[k, ok] = np.repeat(group.relearning[index], group.grid.period)[position[ok]]
        yield EntitySeries(entity, grid, tuple(m[2] for m in members), levels, relearn, spread)


def track(entity: EntitySeries, name: str, config: DetectorConfig) -> EntityTracker:
    """Run one entity's tracker over its fused bins, skipping quiet stretches."""
    fused = fuse(entity.level, entity.signals, config, entity.spread)
    tracker = EntityTracker(entity.entity, name, entity.signals, entity.grid.step, config)
    times = entity.grid.times()
    relearning: npt.NDArray[np.bool_] = np.asarray(entity.relearning.any(axis=0))
    starts = np.flatnonzero(fused.confidence >= config.start_confidence)
    position = 0
    while True:
        later = starts[starts >= position]
        if len(later) == 0:
            break
        index = int(later[0])
        while index < len(times):
            tracker.feed(
                int(times[index]),
                float(fused.confidence[index]),
                float(fused.level[index]),
                fused.severity[:, index].tolist(),
                bool(relearning[index]),
            )
            index += 1
            if tracker.state.value == "idle":
                break
        position = index
    return tracker


@dataclass(frozen=True, slots=True)
class RawDetection:
    """Per-entity events before the hierarchy, with what the hierarchy needs to finish them.

    Each entity's events depend on its own series only, so the entities can be detected in any
    grouping (one process, or partitions on many workers) and the parts merged with
    :func:`merge_raw`; :func:`finished` then applies the hierarchy over all of them at once.
    """

    raw: list[Event]
    present: frozenset[str]
    horizon: int
    skipped: list[str] = field(default_factory=list)


def detect(
    series: Iterable[Series], info: Mapping[str, EntityInfo], config: DetectorConfig | None = None
) -> Detection:
    """Batch detection over whole series."""
    config = config or DetectorConfig()
    return finished(detect_raw(series, info, config), info, config)


def detect_raw(
    series: Iterable[Series], info: Mapping[str, EntityInfo], config: DetectorConfig
) -> RawDetection:
    """Batch detection up to the per-entity events (``info`` needs only these entities' names)."""
    skipped: list[str] = []
    groups = compute_levels(series, config, skipped)
    return raw_levels(groups, info, config, skipped)


def detect_levels(
    groups: Sequence[Levels],
    info: Mapping[str, EntityInfo],
    config: DetectorConfig,
    skipped: list[str] | None = None,
) -> Detection:
    """Events from precomputed levels (the batch path after baselines)."""
    return finished(raw_levels(groups, info, config, skipped), info, config)


def raw_levels(
    groups: Sequence[Levels],
    info: Mapping[str, EntityInfo],
    config: DetectorConfig,
    skipped: list[str] | None = None,
) -> RawDetection:
    """Per-entity events from precomputed levels, entity by entity in name order."""
    raw: list[Event] = []
    horizon = 0
    for entity in by_entity(groups):
        name = info[entity.entity].name if entity.entity in info else entity.entity
        tracker = track(entity, name, config)
        raw.extend(tracker.closed)
        ongoing = tracker.open_event()
        if ongoing is not None:
            raw.append(ongoing)
        horizon = max(horizon, int(entity.grid.times()[-1]) + entity.grid.step)
    present = frozenset(entity for group in groups for entity, _ in group.keys)
    return RawDetection(raw, present, horizon, skipped or [])


def merge_raw(parts: Sequence[RawDetection]) -> RawDetection:
    """Parts over disjoint entities as one: events in entity order (as one run gives them)."""
    raw = sorted((event for part in parts for event in part.raw), key=lambda e: e.entity)
    present = frozenset(entity for part in parts for entity in part.present)
    horizon = max((part.horizon for part in parts), default=0)
    return RawDetection(raw, present, horizon, sorted(s for part in parts for s in part.skipped))


def finished(found: RawDetection, info: Mapping[str, EntityInfo], config: DetectorConfig) -> Detection:
    """The detection with the hierarchy applied over every entity that had data."""
    events = finalise(found.raw, info, set(found.present), config, found.horizon)
    return Detection(events, found.raw, found.skipped)


def finalise(
    raw: Sequence[Event],
    info: Mapping[str, EntityInfo],
    present: set[str],
    config: DetectorConfig,
    horizon: int,
) -> list[Event]:
    """Apply the hierarchy over the entities that had data (unknown ones get their own name).

    Each final event then carries its cause suggestion from its shape (:mod:`netvigil.detect.cause`).
    """
    known = {entity: info.get(entity, EntityInfo(entity)) for entity in present}
    return with_suggestions(apply_hierarchy(raw, known, config, horizon), utc_offset_hours)
