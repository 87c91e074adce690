"""The roll-up tiers and the bins a view uses: the same on every backend.

Roll-ups hold the mean and the minimum of each series per half hour, per hour, per half day and per
day, so a chart of a year reads 730 rows instead of 105,120 and a chart of two weeks 672 instead of
4,032. A
view picks the coarsest tier whose step is not coarser than the step the caller can show
(``span / max_points``) and aggregates further. The finest tier is built from the raw signals and
scored with the detector's baseline; each coarser tier is derived from the one below it
(:func:`derivations`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

from netvigil.model.series import SeriesView

ROLLUP_STEPS: Final[tuple[int, ...]] = (1800, 3600, 43_200, 86_400)
FINEST_STEP: Final = ROLLUP_STEPS[0]
YEARLY_FROM_STEP: Final = 43_200
"""Tiers this coarse or coarser are small enough to keep a year together (one part per year)."""
NICE_STEPS: Final[tuple[int, ...]] = (60, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400)


def nice_step(seconds: int) -> int:
    """The smallest step at least ``seconds`` that divides a day (or is whole days), so bins align."""
    for step in NICE_STEPS:
        if step >= seconds:
            return step
    return math.ceil(seconds / 86_400) * 86_400


def rollup_tier(step: int) -> int | None:
    """The coarsest roll-up step not coarser than ``step`` (None: read the raw signals)."""
    return max((t for t in ROLLUP_STEPS if t <= step), default=None)


def derivations() -> list[tuple[int, int]]:
    """Each (finer, coarser) pair of tiers, finest first: the order a rebuild derives them in."""
    return list(itertools.pairwise(ROLLUP_STEPS))


def rollups_mark(points: int, newest: int | None) -> str:
    """What the roll-ups were built from: the signals' count and newest time, and the tiers.

    A store whose roll-ups were built with other tiers (an older version) is not fresh, so the
    next :func:`netvigil.pipeline.rollups.ensure_rollups` rebuilds them.
    """
    return f"{points}:{newest}:{'/'.join(map(str, ROLLUP_STEPS))}"


def signals_from_spans(
    entities: Sequence[str], spans: Mapping[tuple[str, str], tuple[int, int]]
) -> dict[str, list[str]]:
    """Each entity's stored signal names, sorted, from its series' day spans (``day_spans``)."""
    found: dict[str, list[str]] = {e: [] for e in entities}
    for entity, signal in sorted(spans):
        if entity in found:
            found[entity].append(signal)
    return found


def view_step(since: int, until: int, max_points: int, raw_step: int = 300) -> int:
    """The bin width a view of ``[since, until)`` in at most ``max_points`` bins uses."""
    step = nice_step(max(raw_step, math.ceil((until - since) / max(1, max_points))))
    tier = rollup_tier(step)
    return max(tier, (step // tier) * tier) if tier is not None else step


def split_views(got: Mapping[str, Any], step: int) -> list[SeriesView]:
    """Cut one query's columns (entity, signal, bin, mean, low; sorted) into one view per series."""
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
            piece = slice(start, end)
            views.append(SeriesView(entity, signal, step, times[piece], means[piece], lows[piece]))
        start = end
    return views
