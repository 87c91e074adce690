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
  the new level within a few rows, and the event it caused ends with reason ``rebaselined``;
- spread (the series' own noise): per block of ``spread_seconds`` of the day, the mean absolute
  log-residual |ln(value / baseline)| of each past row (points below the critical threshold left
  out, as for the weekly part), then the median over the last ``history_days`` rows, widened to
  its neighbouring blocks (swings do not keep the clock); x 1.2533 it is a robust standard
  deviation, never below ``min_spread``, unknown (NaN) with fewer than ``min_spread_days`` rows.

Everything is vectorised over many series at once; the streaming detector calls the same
``BaselineState.begin_row`` / ``end_row`` so batch and streaming give identical numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from netvigil.detect.config import DetectorConfig
from netvigil.detect.grid import DAY, FloatArray, Grid, grid_covering, infer_step, place
from netvigil.model.errors import StepError

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
ALL_COLUMNS: Final = slice(None)
MEAN_ABS_TO_SIGMA: Final = 1.2533
"""sqrt(pi / 2): a normal spread's standard deviation from its mean absolute deviation."""


NETWORK_MAX: Final = 8
"""Up to this many values per median a sorting network beats ``np.sort`` (history rows, signals)."""


def sorting_network(size: int) -> list[tuple[int, int]]:
    """Compare-exchange pairs that sort ``size`` values (Batcher's odd-even merge sort).

    Built for the next power of two with the pairs that reach past ``size`` left out: a missing
    value is +inf there, so those exchanges never move anything.
    """
    padded = 1 << max(0, size - 1).bit_length()
    pairs: list[tuple[int, int]] = []
    merge = 1
    while merge < padded:
        gap = merge
        while gap >= 1:
            for start in range(gap % merge, padded - gap, 2 * gap):
                for i in range(min(gap, padded - start - gap)):
                    a, b = i + start, i + start + gap
                    if a // (2 * merge) == b // (2 * merge) and b < size:
                        pairs.append((a, b))
            gap //= 2
        merge *= 2
    return pairs


def nanmedian_last(values: FloatArray, min_count: int = 1) -> FloatArray:
    """Median over the last axis ignoring NaN; NaN where fewer than ``min_count`` values exist.

    The axis is short (history rows, an entity's signals): up to :data:`NETWORK_MAX` values are
    sorted by a network of element-wise min/max over the other axes, which is several times
    faster than ``np.sort`` along a short strided axis; the numbers are the same either way.
    """
    size = values.shape[-1]
    if size <= NETWORK_MAX and not np.isnan(values).any():
        return _full_median(values, min_count)
    count = np.sum(~np.isnan(values), axis=-1)
    lo_rank = np.clip((count - 1) // 2, 0, None)
    hi_rank = count // 2
    if size > NETWORK_MAX:
        ordered = np.sort(values, axis=-1)
        lo = np.take_along_axis(ordered, lo_rank[..., None], -1)[..., 0]
        hi = np.take_along_axis(ordered, hi_rank[..., None], -1)[..., 0]
    else:
        lo, hi = _ranked_pair(values, lo_rank, hi_rank)
    median = np.asarray((lo + hi) / 2.0, dtype=np.float64)
    median[count < max(min_count, 1)] = np.nan
    return median


def _full_median(values: FloatArray, min_count: int) -> FloatArray:
    """:func:`nanmedian_last` of values with none missing: only the exchanges that reach the middle."""
    size = values.shape[-1]
    if size < max(min_count, 1):
        return np.full(values.shape[:-1], np.nan)
    middle = {(size - 1) // 2, size // 2}
    column = [values[..., k] for k in range(size)]
    for a, b in median_network(size, frozenset(middle)):
        column[a], column[b] = np.minimum(column[a], column[b]), np.maximum(column[a], column[b])
    return np.asarray((column[(size - 1) // 2] + column[size // 2]) / 2.0, dtype=np.float64)


def median_network(size: int, middle: frozenset[int]) -> list[tuple[int, int]]:
    """The exchanges of :func:`sorting_network` that the ``middle`` positions depend on."""
    needed = set(middle)
    kept: list[tuple[int, int]] = []
    for a, b in reversed(sorting_network(size)):
        if a in needed or b in needed:
            needed.update((a, b))
            kept.append((a, b))
    return kept[::-1]


def _ranked_pair(values: FloatArray, lo_rank: IntArray, hi_rank: IntArray) -> tuple[FloatArray, FloatArray]:
    """The values of rank ``lo_rank`` and ``hi_rank`` along the last (short) axis, NaN counted last."""
    column = [np.where(np.isnan(values[..., k]), np.inf, values[..., k]) for k in range(values.shape[-1])]
    for a, b in sorting_network(len(column)):
        column[a], column[b] = np.minimum(column[a], column[b]), np.maximum(column[a], column[b])
    lo = np.full(lo_rank.shape, np.nan)
    hi = np.full(hi_rank.shape, np.nan)
    for rank, ranked in enumerate(column):
        lo = np.where(lo_rank == rank, ranked, lo)
        hi = np.where(hi_rank == rank, ranked, hi)
    return lo, hi


def smooth_rows(rows: FloatArray, half_width: int) -> FloatArray:
    """NaN-aware moving mean along the last axis over ``2 * half_width + 1`` bins (clipped at edges)."""
    if half_width <= 0:
        return rows.copy()
    valid = ~np.isnan(rows)
    shape = (*rows.shape[:-1], rows.shape[-1] + 1)
    csum = np.zeros(shape)
    ccount = np.zeros(shape, dtype=np.int64)
    np.cumsum(np.where(valid, rows, 0.0), axis=-1, out=csum[..., 1:])
    np.cumsum(valid, axis=-1, out=ccount[..., 1:])
    return window_means(csum, ccount, np.arange(rows.shape[-1]), half_width)


def window_means(csum: FloatArray, ccount: IntArray, columns: IntArray, half_width: int) -> FloatArray:
    """The moving means of ``columns`` from running sums and counts (a leading zero, then one per bin).

    Shared by :func:`smooth_rows` (a whole row) and :class:`PartialRow` (a row still filling), so
    a bin smoothed either way gets the same number. A window with no value has a sum of exactly
    0 (missing values add 0), so its mean is 0 / 0, NaN.
    """
    width = csum.shape[-1] - 1
    hi = np.minimum(columns + half_width + 1, width)
    lo = np.maximum(columns - half_width, 0)
    with np.errstate(invalid="ignore"):
        return np.asarray((csum[..., hi] - csum[..., lo]) / (ccount[..., hi] - ccount[..., lo]))


def weekly_factor(past: FloatArray) -> FloatArray:
    """Weekly factor from past weeks' raw ratios (last axis): robust to one abnormal week."""
    count = np.sum(~np.isnan(past), axis=-1)
    median = nanmedian_last(past)
    factor = np.where(count == 2, nearest_one(past), median)
    factor = np.where(count == 1, np.clip(factor, 0.5, 1.5), np.clip(factor, 0.4, 2.0))
    return np.where((count == 0) | np.isnan(factor), 1.0, factor)


def nearest_one(ratios: FloatArray) -> FloatArray:
    """The ratio nearest 1 (in log terms) along the last axis; the first one on a tie.

    ``max(r, 1/r)`` orders positive ratios as ``|ln r|`` does, without a logarithm per value;
    missing and non-positive ratios are never nearest (with none usable: the first ratio).
    """
    best = ratios[..., 0]
    best_distance = _distance_from_one(best)
    for k in range(1, ratios.shape[-1]):
        distance = _distance_from_one(ratios[..., k])
        closer = distance < best_distance
        best = np.where(closer, ratios[..., k], best)
        best_distance = np.where(closer, distance, best_distance)
    return np.asarray(best, dtype=np.float64)


def _distance_from_one(ratio: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isnan(ratio) | (ratio <= 0), np.inf, np.maximum(ratio, 1.0 / ratio))


def block_width(step: int, period: int, config: DetectorConfig) -> int:
    """Bins in one block of the spread (``spread_seconds``), at least one and at most a row."""
    return int(min(max(1, round(config.spread_seconds / step)), period))


def block_mean_abs(residuals: FloatArray, width: int) -> FloatArray:
    """Mean of the non-NaN values of consecutive blocks of ``width`` columns (last axis; NaN if none).

    Sums run column after column inside each block, so a block gives the same number whether the
    whole row is reduced at once (batch) or each block as it completes (streaming).
    """
    blocks = -(-residuals.shape[-1] // width)
    padded = np.full((*residuals.shape[:-1], blocks * width), np.nan)
    padded[..., : residuals.shape[-1]] = residuals
    laid = padded.reshape(*residuals.shape[:-1], blocks, width)
    total = np.zeros(laid.shape[:-1])
    count = np.zeros(laid.shape[:-1], dtype=np.int64)
    for k in range(width):
        valid = ~np.isnan(laid[..., k])
        total = total + np.where(valid, laid[..., k], 0.0)
        count = count + valid
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def widest_of_neighbours(spread: FloatArray) -> FloatArray:
    """Each block's spread widened to the widest of it and its two neighbours (around the day).

    Daily swings do not keep the clock: an evening dip that comes an hour early must meet the
    spread it has at its usual hour. A block with an unknown spread stays unknown.
    """
    widest = np.fmax(np.fmax(spread, np.roll(spread, 1, axis=-1)), np.roll(spread, -1, axis=-1))
    return np.where(np.isnan(spread), np.nan, widest)


@dataclass
class BaselineState:
    """The history one group of series (same grid) needs to compute the next row's baseline."""

    smoothed: FloatArray
    ratio: FloatArray
    abnormal_rows: npt.NDArray[np.int64]
    warning: FloatArray
    critical: FloatArray
    rows_per_week: int
    residual: FloatArray
    block: int
    row: int = 0

    @classmethod
    def empty(
        cls, series: int, grid: Grid, thresholds: tuple[FloatArray, FloatArray], config: DetectorConfig
    ) -> BaselineState:
        """A state with no history for ``series`` series on ``grid``; thresholds = (warning, critical)."""
        week = grid.rows_per_week()
        block = block_width(grid.step, grid.period, config)
        return cls(
            smoothed=np.full((series, max(1, config.history_days), grid.period), np.nan),
            ratio=np.full((series, max(1, week * config.weekly_weeks), grid.period), np.nan),
            abnormal_rows=np.zeros(series, dtype=np.int64),
            warning=thresholds[0],
            critical=thresholds[1],
            rows_per_week=week,
            residual=np.full((series, max(1, config.history_days), -(-grid.period // block)), np.nan),
            block=block,
        )

    def _past(self, array: FloatArray, back: list[int], columns: slice) -> FloatArray:
        """The rows ``back`` rows ago (a ring of exactly the depth needed), as (series, columns, rows)."""
        depth = array.shape[1]
        index = [(self.row - k) % depth for k in back if k <= self.row]
        if not index:
            return np.full((array.shape[0], len(range(array.shape[2])[columns]), 1), np.nan)
        return np.transpose(array[:, index, columns], (0, 2, 1))

    def begin_row(
        self, config: DetectorConfig, columns: slice = ALL_COLUMNS
    ) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Baseline for the coming row: (baseline, daily part, masking allowed per series).

        ``columns`` limits the work to some bins of the row (the streaming detector asks for one
        bin at a time, so no bin pays for a whole row); each bin's numbers are the same either way.
        """
        daily = nanmedian_last(
            self._past(self.smoothed, list(range(1, config.history_days + 1)), columns),
            config.min_history_days,
        )
        weeks = [self.rows_per_week * j for j in range(1, config.weekly_weeks + 1)]
        weekly = weekly_factor(self._past(self.ratio, weeks, columns))
        return daily * weekly, daily, self.masking(config)

    def spread_blocks(self, config: DetectorConfig) -> FloatArray:
        """Each series' noise for the coming row, per block of the day (series x blocks).

        A robust standard deviation of the log-residuals (the median over past rows of each
        block's mean absolute residual, x 1.2533), at least ``min_spread``; NaN where fewer than
        ``min_spread_days`` rows have residuals (the series is then judged by its % thresholds).
        """
        past = self._past(self.residual, list(range(1, config.history_days + 1)), ALL_COLUMNS)
        typical = nanmedian_last(past, max(1, config.min_spread_days))
        return np.maximum(MEAN_ABS_TO_SIGMA * widest_of_neighbours(typical), config.min_spread)

    def masking(self, config: DetectorConfig) -> BoolArray:
        """Which series may still mask abnormal points (those not yet re-learning a new level)."""
        return self.abnormal_rows < config.relearn_days

    def nbytes(self) -> int:
        """Bytes of history held (what one series costs, times the series)."""
        held = (self.smoothed, self.ratio, self.residual, self.abnormal_rows)
        return int(sum(a.nbytes for a in held))

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
        level, abnormal, cleaned, seasonal = self._judge(values, baseline, masking)
        self._keep(ALL_COLUMNS, smooth_rows(cleaned, half_width), smooth_rows(seasonal, half_width), daily)
        self.residual[:, self.row % self.residual.shape[1], :] = block_mean_abs(
            self._residuals(level, masking), self.block
        )
        self._count(np.sum(~np.isnan(level), axis=1), np.sum(abnormal, axis=1), values.shape[1])

    def add_bin(
        self, row: PartialRow, values: FloatArray, baseline: FloatArray, daily: FloatArray, masking: BoolArray
    ) -> None:
        """Record one bin of the current row (values, baseline, daily: one per series).

        What :meth:`end_row` does for a whole row, spread over its bins: each bin is judged as it
        comes, and a bin's smoothed value is kept as soon as the last bin of its window is in, so
        no bin pays for a whole row. Bins go in order; :meth:`finish_row` closes the row.
        """
        level, abnormal, cleaned, seasonal = self._judge(values[:, None], baseline[:, None], masking)
        column = row.push(cleaned[:, 0], seasonal[:, 0], daily, level[:, 0], abnormal[:, 0])
        row.residual[:, column] = self._residuals(level, masking)[:, 0]
        if (column + 1) % self.block == 0 or column == row.width - 1:
            first = column // self.block * self.block
            kept = block_mean_abs(row.residual[:, first : column + 1], self.block)
            self.residual[:, self.row % self.residual.shape[1], column // self.block] = kept[:, 0]
        if row.half_width <= 0:
            self._keep(slice(column, column + 1), cleaned, seasonal, daily[:, None])
        elif column >= row.half_width:
            self._keep_columns(row, column - row.half_width, column - row.half_width + 1)
        if column == row.width - 1:
            self._keep_columns(row, max(0, row.width - row.half_width), row.width)
            self._count(row.judged, row.abnormal, row.width)
            row.clear()

    def _keep_columns(self, row: PartialRow, first: int, stop: int) -> None:
        if first >= stop:
            return
        columns = np.arange(first, stop)
        self._keep(slice(first, stop), *row.smoothed(columns), row.daily[:, first:stop])

    def _judge(
        self, values: FloatArray, baseline: FloatArray, masking: BoolArray
    ) -> tuple[FloatArray, BoolArray, FloatArray, FloatArray]:
        """Level, abnormal flags, and the cleaned and seasonal values that go into the history."""
        with np.errstate(invalid="ignore", divide="ignore"):
            level = 100.0 * values / baseline
        abnormal = level < self.warning[:, None]
        cleaned = np.where(abnormal & masking[:, None], baseline, values)
        seasonal = np.where((level < self.critical[:, None]) & masking[:, None], baseline, values)
        return level, abnormal, cleaned, seasonal

    def _residuals(self, level: FloatArray, masking: BoolArray) -> FloatArray:
        """|ln(level / 100)| of the points that may teach the noise, NaN elsewhere.

        A point teaches unless it is below the critical threshold (while the series masks, as
        for the weekly part) or its level is not positive: deep outages are left out, while the
        everyday swings of a noisy series, deep ones included, are learned.
        """
        usable = (level > 0) & ((level >= self.critical[:, None]) | ~masking[:, None])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(usable, np.abs(np.log(np.where(usable, level, 100.0) / 100.0)), np.nan)

    def _keep(self, columns: slice, smoothed: FloatArray, seasonal: FloatArray, daily: FloatArray) -> None:
        """Store smoothed values and weekly ratios of some columns of the current row."""
        self.smoothed[:, self.row % self.smoothed.shape[1], columns] = smoothed
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(daily > 0, seasonal / daily, np.nan)
        self.ratio[:, self.row % self.ratio.shape[1], columns] = ratio

    def _count(self, judged: IntArray, abnormal: IntArray, width: int) -> None:
        """Count rows in a row mostly abnormal (for re-learning), and move on to the next row."""
        share = abnormal / np.maximum(judged, 1)
        enough = judged * 4 >= width
        self.abnormal_rows = np.where(
            enough, np.where(share >= 0.5, self.abnormal_rows + 1, 0), self.abnormal_rows
        )
        self.row += 1


@dataclass
class PartialRow:
    """The row being filled bin by bin: running sums for smoothing, daily parts, abnormal counts."""

    half_width: int
    clean_sum: FloatArray
    clean_count: IntArray
    season_sum: FloatArray
    season_count: IntArray
    daily: FloatArray
    judged: IntArray
    abnormal: IntArray
    residual: FloatArray
    filled: int = 0

    @classmethod
    def empty(cls, series: int, width: int, half_width: int) -> PartialRow:
        """An empty row of ``width`` bins for ``series`` series."""
        sums = (series, width + 1)
        return cls(
            half_width=half_width,
            clean_sum=np.zeros(sums),
            clean_count=np.zeros(sums, dtype=np.int64),
            season_sum=np.zeros(sums),
            season_count=np.zeros(sums, dtype=np.int64),
            daily=np.full((series, width), np.nan),
            judged=np.zeros(series, dtype=np.int64),
            abnormal=np.zeros(series, dtype=np.int64),
            residual=np.full((series, width), np.nan),
        )

    @property
    def width(self) -> int:
        """Bins in the row."""
        return int(self.daily.shape[1])

    def push(
        self,
        cleaned: FloatArray,
        seasonal: FloatArray,
        daily: FloatArray,
        level: FloatArray,
        abnormal: BoolArray,
    ) -> int:
        """Add the next bin; returns its column. Sums run as ``np.cumsum`` does, bin after bin."""
        column = self.filled
        for total, count, value in (
            (self.clean_sum, self.clean_count, cleaned),
            (self.season_sum, self.season_count, seasonal),
        ):
            valid = ~np.isnan(value)
            filled = np.where(valid, value, 0.0)
            total[:, column + 1] = filled if column == 0 else total[:, column] + filled
            count[:, column + 1] = count[:, column] + valid
        self.daily[:, column] = daily
        self.judged += ~np.isnan(level)
        self.abnormal += abnormal
        self.filled += 1
        return column

    def smoothed(self, columns: IntArray) -> tuple[FloatArray, FloatArray]:
        """Smoothed cleaned and seasonal values of ``columns`` (their windows must be filled)."""
        return (
            window_means(self.clean_sum, self.clean_count, columns, self.half_width),
            window_means(self.season_sum, self.season_count, columns, self.half_width),
        )

    def clear(self) -> None:
        """Start the next row (the sums' leading zeros stay; every other sum is rewritten)."""
        self.judged[:] = 0
        self.abnormal[:] = 0
        self.daily[:] = np.nan
        self.residual[:] = np.nan
        self.filled = 0


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


def expected_values(
    times: npt.NDArray[np.int64],
    values: FloatArray,
    at: npt.NDArray[np.int64],
    signal: str = "probe",
    config: DetectorConfig | None = None,
    step: int | None = None,
) -> FloatArray:
    """The detector's expected value (its seasonal baseline) of a series at the times ``at``.

    The one source of every "% of ordinary" shown (API, dashboard, report charts, CSV): the series
    is laid on the detector's own grid at its own ``step`` and scored from its first point, as
    ``netvigil detect`` scores it, so the number for a time does not depend on the window a chart
    asks for. NaN where the series cannot be judged yet (see :func:`judgeable_from`) or ``at`` is
    outside it. ``signal`` picks the thresholds used for history masking.
    """
    if len(times) == 0:
        return np.full(len(at), np.nan)
    step = step or infer_step(times)
    grid = grid_covering(step, int(times.min()), int(times.max()))
    (base,) = _baselines(grid, [(signal, times, values)], config or DetectorConfig())
    return _at(grid, base, np.asarray(at, dtype=np.int64))


def expected_at_points(
    series: Sequence[tuple[str, npt.NDArray[np.int64], FloatArray]], config: DetectorConfig | None = None
) -> list[FloatArray]:
    """:func:`expected_values` of many (signal, times, values) series at their own points, in one pass.

    Series of one step share one grid and one baseline run (rows start at the same UTC midnights
    whatever a series' first point, so each gets exactly the numbers it gets alone). A series with
    fewer than two points, or no regular step, gets NaN.
    """
    config = config or DetectorConfig()
    out: list[FloatArray] = [np.full(len(times), np.nan) for _, times, _ in series]
    by_step: dict[int, list[int]] = {}
    for k, (_, times, _) in enumerate(series):
        try:
            by_step.setdefault(infer_step(times), []).append(k)
        except StepError:
            continue
    for step, members in by_step.items():
        first = min(int(series[k][1].min()) for k in members)
        last = max(int(series[k][1].max()) for k in members)
        grid = grid_covering(step, first, last)
        for k, base in zip(members, _baselines(grid, [series[k] for k in members], config), strict=True):
            out[k] = _at(grid, base, series[k][1])
    return out


def _baselines(
    grid: Grid, series: Sequence[tuple[str, npt.NDArray[np.int64], FloatArray]], config: DetectorConfig
) -> FloatArray:
    """Baselines (series, bins) of (signal, times, values) series laid on ``grid``."""
    matrix = np.stack([place(grid, times, values) for _, times, values in series])
    rules = [config.rule(signal) for signal, _, _ in series]
    thresholds = (np.array([r.warning for r in rules]), np.array([r.critical for r in rules]))
    base, _ = baseline_matrix(matrix, grid, thresholds, config)
    return base.reshape(len(series), -1)


def _at(grid: Grid, base: FloatArray, at: npt.NDArray[np.int64]) -> FloatArray:
    """The values of one flat baseline row at the times ``at`` (NaN off the grid)."""
    index = grid.index(at)
    inside = (index >= 0) & (index < grid.bins)
    out = np.full(len(index), np.nan)
    out[inside] = base[index[inside]]
    return out


def judgeable_from(first: int, config: DetectorConfig | None = None) -> int:
    """When a series whose first point is at ``first`` can first be judged by the baseline.

    The daily part needs ``min_history_days`` rows (days) of history at the same time of day, so
    that is the same time of day ``min_history_days`` days after the first point.
    """
    config = config or DetectorConfig()
    return first + max(1, config.min_history_days) * DAY


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
    if len(times) == 0:
        return np.empty(0)
    expected = expected_values(times, values, times, signal, config, step)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(100.0 * values / expected, dtype=np.float64)
