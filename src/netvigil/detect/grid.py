"""Regular time grids: infer a series' step and lay its points on rows of about one day.

A row holds ``period`` bins (``round(86400 / step)``), so the daily cycle sits in the columns;
rows start at multiples of ``period * step`` seconds since the Unix epoch, which is UTC midnight
whenever the step divides a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from netvigil.model.errors import StepError
from netvigil.model.signals import MAX_STEP_SECONDS, MIN_STEP_SECONDS

DAY: Final = 86_400
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def infer_step(times: IntArray) -> int:
    """The series' regular step: the most common gap between consecutive points (gaps are allowed)."""
    if len(times) < 2:
        raise StepError("a series needs at least two points to infer its step")
    diffs = np.diff(np.unique(times))
    values, counts = np.unique(diffs, return_counts=True)
    step = int(values[np.argmax(counts)])
    if not MIN_STEP_SECONDS <= step <= MAX_STEP_SECONDS:
        raise StepError(f"step of {step} s is outside 60 s .. 86400 s")
    return step


@dataclass(frozen=True, slots=True)
class Grid:
    """Rows of ``period`` bins of ``step`` seconds, the first row starting at ``origin``."""

    step: int
    period: int
    origin: int
    rows: int

    @property
    def bins(self) -> int:
        """Total bins on the grid."""
        return self.rows * self.period

    @property
    def row_seconds(self) -> int:
        """Length of one row in seconds (one day when the step divides a day)."""
        return self.period * self.step

    def times(self) -> IntArray:
        """The start time of every bin, row-major."""
        return self.origin + np.arange(self.bins, dtype=np.int64) * self.step

    def index(self, times: IntArray) -> IntArray:
        """Bin index of each time (times off the grid fall into the bin that contains them)."""
        return (times - self.origin) // self.step

    def rows_per_week(self) -> int:
        """How many rows make a week (7 when a row is a day)."""
        return max(1, round(7 * DAY / self.row_seconds))


def period_for(step: int) -> int:
    """Bins per row: about one day's worth."""
    return max(1, round(DAY / step))


def grid_covering(step: int, first: int, last: int) -> Grid:
    """The smallest row-aligned grid of ``step`` that covers ``first .. last``."""
    period = period_for(step)
    row = period * step
    origin = (first // row) * row
    rows = (last - origin) // row + 1
    return Grid(step, period, origin, int(rows))


def place(grid: Grid, times: IntArray, values: FloatArray) -> FloatArray:
    """Lay a series on the grid as a (rows, period) matrix, NaN where there is no point."""
    matrix = np.full(grid.bins, np.nan, dtype=np.float64)
    index = grid.index(times)
    keep = (index >= 0) & (index < grid.bins)
    matrix[index[keep]] = values[keep]
    return matrix.reshape(grid.rows, grid.period)
