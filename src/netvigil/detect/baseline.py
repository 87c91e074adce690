"""A robust seasonal baseline per series, computed row by row (a row is about a day).

Method (documented in docs/detector.md):
- daily part: the median, at the same time of day, of the last ``history_days`` rows of the
  *cleaned* series, each lightly smoothed over ``smooth_seconds``; at least ``min_history_days``
  rows must exist, so one day of history is enough to start;
- weekly part: the ratio value / daily part at the same time of the same weekday in past weeks,
  where only points below the *critical* threshold are masked (so a weekend dip deeper than the
  warning threshold is still learned, while outages are not): the median of three weeks, the ratio
  nearest 1 of two, a clipped single one, 1 with none;
- history masking: a point below the signal's warning threshold is replaced by the baseline in the
  cleaned history (IODA's approach), so an ongoing outage does not drag its own baseline down;
- a drop that lasts ``relearn_days`` rows in a row stops being masked: the baseline then re-learns
  the new level within a few rows, and the event it caused ends with reason ``rebaselined``.

Everything is vectorised over many series at once; the streaming detector calls the same
``BaselineState.begin_row`` / ``end_row`` so batch and streaming give identical numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from netvigil.detect.config import DetectorConfig
from netvigil.detect.grid import FloatArray, Grid, grid_covering, infer_step, place

BoolArray = npt.NDArray[np.bool_]


def nanmedian_last(values: FloatArray, min_count: int = 1) -> FloatArray:
    """Median over the last axis ignoring NaN; NaN where fewer than ``min_count`` values exist."""
    ordered = np.sort(values, axis=-1)
    count = np.sum(~np.isnan(values), axis=-1)
    lo = np.take_along_axis(ordered, np.clip((count - 1) // 2, 0, None)[..., None], -1)[..., 0]
    hi = np.take_along_axis(ordered, np.clip(count // 2, 0, None)[..., None], -1)[..., 0]
    median = (lo + hi) / 2.0
    median[count < max(min_count, 1)] = np.nan
    return median


def smooth_rows(rows: FloatArray, half_width: int) -> FloatArray:
    """NaN-aware moving mean along the last axis over ``2 * half_width + 1`` bins (clipped at edges)."""
    if half_width <= 0:
        return rows.copy()
    valid = ~np.isnan(rows)
    filled = np.where(valid, rows, 0.0)
    pad = [(0, 0)] * (rows.ndim - 1) + [(1, 0)]
    csum = np.pad(np.cumsum(filled, axis=-1), pad)
    ccount = np.pad(np.cumsum(valid, axis=-1), pad)
    width = rows.shape[-1]
    hi = np.minimum(np.arange(width) + half_width + 1, width)
    lo = np.maximum(np.arange(width) - half_width, 0)
    total = csum[..., hi] - csum[..., lo]
    count = ccount[..., hi] - ccount[..., lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def weekly_factor(past: FloatArray) -> FloatArray:
    """Weekly factor from past weeks' raw ratios (last axis): robust to one abnormal week."""
    count = np.sum(~np.isnan(past), axis=-1)
    median = nanmedian_last(past)
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.where(np.isnan(past) | (past <= 0), np.inf, np.abs(np.log(past)))
    nearest = np.take_along_axis(past, np.argmin(distance, axis=-1)[..., None], -1)[..., 0]
    factor = np.where(count == 2, nearest, median)
    factor = np.where(count == 1, np.clip(factor, 0.5, 1.5), np.clip(factor, 0.4, 2.0))
    return np.where((count == 0) | np.isnan(factor), 1.0, factor)


@dataclass
class BaselineState:
    """The history one group of series (same grid) needs to compute the next row's baseline."""

    smoothed: FloatArray
    ratio: FloatArray
    abnormal_rows: npt.NDArray[np.int64]
    warning: FloatArray
    critical: FloatArray
    rows_per_week: int
    row: int = 0

    @classmethod
    def empty(
        cls, series: int, grid: Grid, thresholds: tuple[FloatArray, FloatArray], config: DetectorConfig
    ) -> BaselineState:
        """A state with no history for ``series`` series on ``grid``; thresholds = (warning, critical)."""
        week = grid.rows_per_week()
        depth = max(config.history_days, week * config.weekly_weeks) + 1
        shape = (series, depth, grid.period)
        return cls(
            smoothed=np.full(shape, np.nan),
            ratio=np.full(shape, np.nan),
            abnormal_rows=np.zeros(series, dtype=np.int64),
            warning=thresholds[0],
            critical=thresholds[1],
            rows_per_week=week,
        )

    def _past(self, array: FloatArray, back: list[int]) -> FloatArray:
        depth = array.shape[1]
        index = [(self.row - k) % depth for k in back if k <= self.row]
        if not index:
            return np.full((array.shape[0], array.shape[2], 1), np.nan)
        return np.transpose(array[:, index, :], (0, 2, 1))

    def begin_row(self, config: DetectorConfig) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Baseline for the coming row: (baseline, daily part, masking allowed per series)."""
        daily = nanmedian_last(
            self._past(self.smoothed, list(range(1, config.history_days + 1))),
            config.min_history_days,
        )
        weeks = [self.rows_per_week * j for j in range(1, config.weekly_weeks + 1)]
        weekly = weekly_factor(self._past(self.ratio, weeks))
        masking = self.abnormal_rows < config.relearn_days
        return daily * weekly, daily, masking

    def end_row(
        self,
        values: FloatArray,
        baseline: FloatArray,
        daily: FloatArray,
        masking: BoolArray,
        config: DetectorConfig,
        half_width: int,
    ) -> None:
        """Record a finished row: mask abnormal points, smooth, keep ratios, count abnormal rows."""
        with np.errstate(invalid="ignore", divide="ignore"):
            level = 100.0 * values / baseline
        abnormal = level < self.warning[:, None]
        cleaned = np.where(abnormal & masking[:, None], baseline, values)
        depth = self.smoothed.shape[1]
        slot = self.row % depth
        self.smoothed[:, slot, :] = smooth_rows(cleaned, half_width)
        seasonal = np.where((level < self.critical[:, None]) & masking[:, None], baseline, values)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.ratio[:, slot, :] = np.where(daily > 0, smooth_rows(seasonal, half_width) / daily, np.nan)
        judged = np.sum(~np.isnan(level), axis=1)
        share = np.sum(abnormal, axis=1) / np.maximum(judged, 1)
        enough = judged * 4 >= values.shape[1]
        self.abnormal_rows = np.where(
            enough, np.where(share >= 0.5, self.abnormal_rows + 1, 0), self.abnormal_rows
        )
        self.row += 1


def half_width_for(step: int, config: DetectorConfig) -> int:
    """Smoothing half-width in bins for a step."""
    return round(config.smooth_seconds / 2 / step)


def baseline_matrix(
    values: FloatArray, grid: Grid, thresholds: tuple[FloatArray, FloatArray], config: DetectorConfig
) -> tuple[FloatArray, BoolArray]:
    """Baselines for ``values`` (series, rows, period), and which rows were not masked (re-learning)."""
    series = values.shape[0]
    state = BaselineState.empty(series, grid, thresholds, config)
    out = np.empty(values.shape, dtype=values.dtype)
    relearning = np.zeros((series, grid.rows), dtype=np.bool_)
    half = half_width_for(grid.step, config)
    for row in range(grid.rows):
        baseline, daily, masking = state.begin_row(config)
        out[:, row, :] = baseline
        relearning[:, row] = ~masking
        state.end_row(values[:, row, :].astype(np.float64), baseline, daily, masking, config, half)
    return out, relearning


def percent_of_ordinary(
    times: npt.NDArray[np.int64],
    values: FloatArray,
    step: int | None = None,
    signal: str = "probe",
    config: DetectorConfig | None = None,
) -> FloatArray:
    """Each point as % of its ordinary level (NaN while there is not yet a day of history).

    ``signal`` picks the thresholds used for history masking (see :mod:`netvigil.detect.config`).
    """
    config = config or DetectorConfig()
    if len(times) == 0:
        return np.empty(0)
    step = step or infer_step(times)
    grid = grid_covering(step, int(times.min()), int(times.max()))
    matrix = place(grid, times, values)[None, :, :]
    rule = config.rule(signal)
    base, _ = baseline_matrix(matrix, grid, (np.array([rule.warning]), np.array([rule.critical])), config)
    with np.errstate(invalid="ignore", divide="ignore"):
        level = (100.0 * matrix / base).reshape(-1)
    return np.asarray(level[grid.index(times)], dtype=np.float64)
