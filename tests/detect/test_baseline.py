from contextlib import nullcontext

import numpy as np
import pytest

from netvigil.detect.baseline import (
    expected_at_points,
    expected_values,
    judgeable_from,
    nanmedian_last,
    nearest_one,
    percent_of_ordinary,
    smooth_rows,
)
from netvigil.detect.grid import infer_step
from netvigil.model.errors import StepError

from .helpers import DAY, T0, cut, cyclic


def test_nanmedian_last_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    data = rng.normal(size=(50, 7))
    data[rng.random(data.shape) < 0.3] = np.nan
    expected = np.array([np.nanmedian(r) if (~np.isnan(r)).any() else np.nan for r in data])
    np.testing.assert_allclose(nanmedian_last(data), expected, equal_nan=True)
    assert np.isnan(nanmedian_last(np.array([[1.0, np.nan]]), min_count=2)[0])


@pytest.mark.parametrize("size", range(1, 12))
@pytest.mark.parametrize("missing", [0.0, 0.3])
def test_nanmedian_last_is_numpys_median_on_every_short_axis_with_or_without_gaps(
    size: int, missing: float
) -> None:
    """Sorting networks (up to 8 values) and np.sort (more) give numpy's median, bit for bit."""
    rng = np.random.default_rng(size)
    data = rng.normal(size=(200, 3, size))
    data[rng.random(data.shape) < missing] = np.nan
    count = np.sum(~np.isnan(data), axis=-1)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning) if (count == 0).any() else nullcontext():
        expected = np.nanmedian(data, axis=-1)
    assert np.array_equal(nanmedian_last(data), expected, equal_nan=True)
    assert np.array_equal(nanmedian_last(data, 3), np.where(count >= 3, expected, np.nan), equal_nan=True)


def test_nearest_one_is_the_ratio_of_smallest_log_distance_the_first_on_a_tie() -> None:
    rng = np.random.default_rng(2)
    ratios = rng.lognormal(0, 0.3, size=(500, 3))
    ratios[rng.random(ratios.shape) < 0.2] = np.nan
    ratios[rng.random(ratios.shape) < 0.05] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.where(np.isnan(ratios) | (ratios <= 0), np.inf, np.abs(np.log(ratios)))
    expected = np.take_along_axis(ratios, np.argmin(distance, axis=-1)[:, None], -1)[:, 0]
    assert np.array_equal(nearest_one(ratios), expected, equal_nan=True)
    assert nearest_one(np.array([[0.5, 2.0, 1.9]]))[0] == 1.9
    assert nearest_one(np.array([[0.5, 2.0]]))[0] == 0.5


def test_smooth_rows_ignores_gaps() -> None:
    out = smooth_rows(np.array([[1.0, np.nan, 3.0, 5.0]]), 1)
    np.testing.assert_allclose(out, [[1.0, 2.0, 4.0, 4.0]])


@pytest.mark.parametrize("step", [60, 300, 900, 3600, 86_400])
def test_ordinary_days_are_near_100_percent_at_any_step(step: int) -> None:
    days = 40 if step == 86_400 else 10
    times, values = cyclic(days, step=step, noise=0.01)
    level = percent_of_ordinary(times, values)
    after_first_day = level[times >= T0 + (7 * DAY if step == 86_400 else DAY)]
    assert np.nanmedian(np.abs(after_first_day - 100)) < 2.0
    assert infer_step(times) == step


def test_one_day_of_history_is_enough() -> None:
    times, values = cyclic(2.5)
    values = cut(times, values, 1.5, 6, 0.05)
    level = percent_of_ordinary(times, values)
    assert np.all(np.isnan(level[times < T0 + DAY]))
    inside = level[(times >= T0 + int(1.5 * DAY)) & (times < T0 + int(1.5 * DAY) + 6 * 3600)]
    assert np.nanmax(inside) < 10


def test_weekly_cycle_is_learned() -> None:
    times, values = cyclic(28, weekend=0.6, noise=0.01)
    level = percent_of_ordinary(times, values)
    weekday = (times // DAY + 3) % 7
    last_weeks = times >= T0 + 14 * DAY
    weekend_level = np.nanmedian(level[last_weeks & (weekday >= 5)])
    assert 93 < weekend_level < 107


def test_an_outage_does_not_drag_its_own_baseline_down() -> None:
    times, values = cyclic(14)
    values = cut(times, values, 7, 4 * 24, 0.05)
    level = percent_of_ordinary(times, values)
    last_day_of_outage = level[(times >= T0 + 10 * DAY) & (times < T0 + 11 * DAY)]
    after = level[times >= T0 + 11 * DAY + 3600]
    assert np.nanmax(last_day_of_outage) < 10
    assert 95 < np.nanmedian(after) < 105


def test_gaps_are_gaps_not_zeros() -> None:
    times, values = cyclic(6)
    values[(times >= T0 + 3 * DAY) & (times < T0 + 3 * DAY + 5 * 3600)] = np.nan
    keep = ~np.isnan(values)
    level = percent_of_ordinary(times[keep], values[keep])
    assert np.nanmin(level[times[keep] >= T0 + DAY]) > 80


def test_irregular_series_is_refused() -> None:
    with pytest.raises(StepError, match="outside"):
        infer_step(np.array([0, 10, 20, 30]))
    with pytest.raises(StepError, match="at least two"):
        infer_step(np.array([5]))


def test_expected_values_of_many_series_are_each_series_alone() -> None:
    early_times, early = cyclic(9, noise=0.02, seed=3)
    late_times, late = cyclic(9, noise=0.02, seed=4)
    late_times = late_times + 2 * DAY + 3600
    hourly_times, hourly = cyclic(9, step=3600, noise=0.02, seed=5)
    early = cut(early_times, early, 5, 6, 0.1)
    many = expected_at_points(
        [("probe", early_times, early), ("traffic", late_times, late), ("bgp", hourly_times, hourly)]
    )
    alone = [
        expected_values(early_times, early, early_times, "probe"),
        expected_values(late_times, late, late_times, "traffic"),
        expected_values(hourly_times, hourly, hourly_times, "bgp"),
    ]
    for got, want in zip(many, alone, strict=True):
        np.testing.assert_array_equal(got, want)
    level = percent_of_ordinary(early_times, early)
    np.testing.assert_allclose(level, 100 * early / alone[0], equal_nan=True)


def test_a_series_is_judgeable_a_day_after_its_first_point() -> None:
    times, values = cyclic(3, noise=0.0)
    times = times + 12 * 3600
    expected = expected_values(times, values, times)
    first = int(times[np.flatnonzero(~np.isnan(expected))[0]])
    assert judgeable_from(int(times[0])) == int(times[0]) + DAY
    assert first <= judgeable_from(int(times[0])) < first + 3600
