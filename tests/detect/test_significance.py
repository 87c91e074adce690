"""Significance from each series' own noise: partial disruptions found, noisy swings ignored."""

import numpy as np

from netvigil.detect.baseline import widest_of_neighbours
from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import Series, compute_levels, detect
from netvigil.detect.fusion import severities

from .helpers import DAY, T0, cut, cyclic, series
from .test_engine import INFO, country


def test_partial_disruption_at_sixty_percent_is_a_disruption() -> None:
    found = detect(country({"probe": 0.6, "traffic": 0.6, "bgp": 0.95}, hours=3), INFO).events
    assert [(e.entity, e.kind, e.scope) for e in found] == [("country:XX", "disruption", "national")]
    assert 50 < found[0].level < 70
    assert found[0].start == T0 + 5 * DAY


def test_one_improbable_drop_among_normal_signals_is_no_event() -> None:
    assert detect(country({"probe": 0.6}, hours=3), INFO).events == []


def _evening_swinging(entity: str, days: int, seed: int, forced: dict[int, float]) -> list[Series]:
    """Probe and traffic whose evenings swing to 55-95 % of the day (``forced``: day -> factor)."""
    rng = np.random.default_rng(seed)
    swings = [forced.get(day, float(f)) for day, f in enumerate(rng.uniform(0.55, 0.95, days))]
    out = []
    for k, signal in enumerate(("probe", "traffic")):
        times, values = cyclic(days, seed=seed + k, noise=0.08)
        for day, factor in enumerate(swings):
            values = cut(times, values, day + 19 / 24, 3, factor)
        out.append(series(entity, signal, times, values))
    return out


def test_the_same_forty_percent_drop_counts_on_a_quiet_series_not_on_a_noisy_one() -> None:
    quiet = [
        series("region:XX-A", signal, times, cut(times, values, 6 + 19 / 24, 3, 0.6))
        for k, signal in enumerate(("probe", "traffic"))
        for times, values in [cyclic(9, seed=40 + k)]
    ]
    noisy = _evening_swinging("region:XX-B", 9, seed=50, forced={6: 0.6})
    found = detect(quiet + noisy, INFO).events
    assert [(e.entity, e.kind) for e in found] == [("region:XX-A", "disruption")]


def test_a_noisy_series_learns_a_wider_spread_than_a_quiet_one() -> None:
    data = [
        series("asn:1", "probe", *cyclic(6, noise=0.01, seed=1)),
        series("asn:2", "probe", *cyclic(6, noise=0.15, seed=2)),
    ]
    (levels,) = compute_levels(data, DetectorConfig(), [])
    assert levels.spread is not None
    late = levels.spread[:, 5, :]
    assert np.all(late[0] < 0.03) and np.all(late[1] > 0.08)
    assert np.all(np.isnan(levels.spread[:, :4, :]))


def test_without_a_known_spread_the_percent_thresholds_judge() -> None:
    levels = np.array([[100.0, 65.0, 40.0, np.nan]])
    config = DetectorConfig()
    alone = severities(levels, ["probe"], config)
    unknown = severities(levels, ["probe"], config, np.full((1, 4), np.nan))
    np.testing.assert_array_equal(alone, unknown)
    np.testing.assert_allclose(alone[0, :3], [0.0, 0.5, 1.0])
    quiet = severities(levels, ["probe"], config, np.full((1, 4), 0.02))
    np.testing.assert_array_equal(quiet[0, :3], [0.0, 1.0, 1.0])


def test_a_drop_above_the_floor_never_counts_however_quiet_the_series() -> None:
    levels = np.array([[97.0], [85.0]])
    sev = severities(levels, ["bgp", "bgp"], DetectorConfig(), np.full((2, 1), 0.02))
    assert sev[0, 0] == 0.0 and sev[1, 0] == 1.0
    assert severities(np.array([[85.0]]), ["traffic"], DetectorConfig(), np.full((1, 1), 0.02))[0, 0] == 0.0


def test_a_block_meets_the_spread_of_its_neighbours_around_the_day() -> None:
    spread = np.array([[0.3, 0.02, 0.02, 0.02, 0.05], [np.nan, 0.02, 0.4, 0.02, 0.02]])
    widened = widest_of_neighbours(spread)
    np.testing.assert_array_equal(widened[0], [0.3, 0.3, 0.02, 0.05, 0.3])
    np.testing.assert_array_equal(widened[1], [np.nan, 0.4, 0.4, 0.4, 0.02])
