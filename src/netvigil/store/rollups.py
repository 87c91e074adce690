"""The roll-up tiers and the bins a view uses: the same on every backend.

Roll-ups hold the mean and the minimum of each series per hour and per day, so a chart of a year
reads 365 rows instead of 105,120. A view picks the finest tier whose step is not finer than the
step the caller can show (``span / max_points``) and aggregates further.
"""

from __future__ import annotations

import math
from typing import Final

ROLLUP_STEPS: Final[tuple[int, ...]] = (3600, 86_400)
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


def view_step(since: int, until: int, max_points: int, raw_step: int = 300) -> int:
    """The bin width a view of ``[since, until)`` in at most ``max_points`` bins uses."""
    step = nice_step(max(raw_step, math.ceil((until - since) / max(1, max_points))))
    tier = rollup_tier(step)
    return max(tier, (step // tier) * tier) if tier is not None else step
