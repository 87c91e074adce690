"""Small synthetic series for detector tests."""

from __future__ import annotations

import numpy as np

from netvigil.detect.engine import Series

T0 = 1_640_995_200  # 2022-01-01T00:00:00Z, a Saturday
DAY = 86_400


def cyclic(
    days: float,
    step: int = 300,
    level: float = 1000.0,
    amplitude: float = 0.35,
    noise: float = 0.02,
    weekend: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A series with a daily cycle, optional weekend dip and multiplicative noise."""
    rng = np.random.default_rng(seed)
    times = T0 + np.arange(0, int(days * DAY), step, dtype=np.int64)
    hour = (times % DAY) / 3600
    weekday = (times // DAY + 3) % 7
    values = (
        level * (1 + amplitude * np.cos(2 * np.pi * (hour - 15) / 24)) * np.where(weekday >= 5, weekend, 1.0)
    )
    return times, values * rng.lognormal(0, noise, len(times))


def cut(times: np.ndarray, values: np.ndarray, start_day: float, hours: float, depth: float) -> np.ndarray:
    """The values with a cut to ``depth`` of ordinary from ``start_day`` for ``hours``."""
    start = T0 + int(start_day * DAY)
    inside = (times >= start) & (times < start + int(hours * 3600))
    return np.where(inside, values * depth, values)


def series(entity: str, signal: str, times: np.ndarray, values: np.ndarray) -> Series:
    keep = ~np.isnan(values)
    return Series(entity, signal, times[keep], values[keep])
