"""Realistic synthetic signals from a ground-truth timeline.

Traffic has a daily cycle peaking in the local evening, a weekly cycle (quieter weekend), slow
growth, holiday dips and multiplicative noise; probing counts /24 blocks that answer (binomial
noise, a slight daily cycle); BGP counts routed /24s with tiny noise. Bins go missing at random
and a collector may drop out for hours. Everything is drawn from one seeded generator.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from netvigil.sim.scenarios.timeline import Floats, ScenarioTimeline, Times

HOUR = 3600
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Style:
    """How a country's signals look in ordinary times."""

    utc_offset_hours: float
    amplitude: float
    weekend: tuple[int, ...]
    weekend_factor: float
    growth_per_year: float
    noise: float
    holidays: tuple[tuple[int, int, float], ...] = ()
    entity_noise: tuple[tuple[str, float], ...] = ()

    def noise_of(self, entity: str) -> float:
        """The traffic noise of one entity: its own when it has one (a noisy series), else the country's."""
        return dict(self.entity_noise).get(entity, self.noise)


@dataclass(frozen=True, slots=True)
class Glitch:
    """A measurement fault of one series: its values times ``factor`` between start and end.

    A factor of NaN is a collector gap (no data); a factor kept to the end of the scenario is a
    level shift of that series alone (an operator renumbering its address space).
    """

    entity: str
    signal: str
    start: int
    end: int
    factor: float


@dataclass(frozen=True, slots=True)
class SeriesOut:
    """A generated series: times and values (NaN = missing bin, written as no row)."""

    entity: str
    signal: str
    times: Times
    values: Floats


def _diurnal(times: Times, style: Style) -> Floats:
    local_hour = ((times + style.utc_offset_hours * HOUR) % DAY) / HOUR
    shape: Floats = 1.0 + style.amplitude * np.cos(2 * np.pi * (local_hour - 21.0) / 24.0)
    return shape


def _weekly(times: Times, style: Style) -> Floats:
    weekday = ((times + style.utc_offset_hours * HOUR) // DAY + 3) % 7  # 0 = Monday
    return np.where(np.isin(weekday, style.weekend), style.weekend_factor, 1.0)


def _holidays(times: Times, style: Style) -> Floats:
    factor = np.ones(len(times))
    for start, end, dip in style.holidays:
        factor = np.where((times >= start) & (times < end), factor * dip, factor)
    return factor


def traffic(
    timeline: ScenarioTimeline, entity: str, size: float, times: Times, style: Style, rng: np.random.Generator
) -> Floats:
    """Traffic volume of an entity."""
    years = (times - timeline.start) / (365 * DAY)
    ordinary = size * _diurnal(times, style) * _weekly(times, style) * (1 + style.growth_per_year * years)
    noise = rng.lognormal(0.0, style.noise_of(entity), len(times))
    return ordinary * _holidays(times, style) * timeline.factors(entity, times) * noise


def probe(
    timeline: ScenarioTimeline, entity: str, blocks: int, times: Times, style: Style, rng: np.random.Generator
) -> Floats:
    """/24 blocks that answer: a binomial draw around the connectivity share."""
    daily = 1.0 - 0.02 * (_diurnal(times, style) - 1.0) / max(style.amplitude, 1e-9)
    share = np.clip(0.93 * daily * timeline.factors(entity, times), 0.0, 1.0)
    return rng.binomial(blocks, share).astype(np.float64)


def bgp(
    timeline: ScenarioTimeline, entity: str, prefixes: int, times: Times, rng: np.random.Generator
) -> Floats:
    """Routed /24 equivalents visible to most full-feed peers."""
    routed = prefixes * timeline.factors(entity, times, routing=True)
    return np.round(routed + rng.normal(0.0, max(0.5, prefixes * 0.0004), len(times)))


def generate(
    timeline: ScenarioTimeline,
    sizes: dict[str, tuple[int, int, float]],
    style: Style,
    rng: np.random.Generator,
    glitches: Sequence[Glitch] = (),
    missing: float = 0.005,
    collector_gap: float = 0.05,
) -> Iterator[SeriesOut]:
    """Every series of the scenario: (probe blocks, bgp /24s, traffic size) per entity; 0 = no such signal.

    Each series loses ``missing`` of its bins at random and, with probability ``collector_gap``, a
    stretch of 2 to 6 hours (a collector that went away).
    """
    times = np.arange(timeline.start, timeline.end, timeline.step, dtype=np.int64)
    for entity in timeline.entities():
        blocks, prefixes, volume = sizes[entity]
        made: list[tuple[str, Floats]] = []
        if prefixes:
            made.append(("bgp", bgp(timeline, entity, prefixes, times, rng)))
        if blocks:
            made.append(("probe", probe(timeline, entity, blocks, times, style, rng)))
        if volume:
            made.append(("traffic", traffic(timeline, entity, volume, times, style, rng)))
        for signal, clean in made:
            values = clean
            for glitch in glitches:
                if glitch.entity == entity and glitch.signal == signal:
                    inside = (times >= glitch.start) & (times < glitch.end)
                    values = np.where(inside, np.round(values * glitch.factor, 3), values)
            lost = rng.random(len(times)) < missing
            if rng.random() < collector_gap:
                first = int(rng.integers(0, len(times)))
                lost[first : first + int(rng.uniform(2, 6) * HOUR) // timeline.step] = True
            yield SeriesOut(entity, signal, times, np.where(lost, np.nan, values))
