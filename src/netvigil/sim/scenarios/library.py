"""The built-in scenario library: archetypes x countries x seeds, with ground-truth labels.

Durations are drawn from IODA's hand-checked outage list (package data ``ioda_outages.csv``, see
PROVENANCE in docs/scenarios.md) for the matching scope, clamped to what each archetype means.
Four archetypes must give no event: a one-signal glitch, a holiday dip, a level shift (an operator
renumbering) and a collector gap. Local entities below a region are not modelled here: a local
archetype adds its own impairment target (``ScenarioTimeline`` units) and builder.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import resources
from typing import Final

import numpy as np
import pycountry

from netvigil.geo.entities import default_registry
from netvigil.model.entities import NetworkKind
from netvigil.model.events import EventKind, Label, Scope
from netvigil.sim.scenarios.generate import Glitch, Style
from netvigil.sim.scenarios.timeline import Impairment, ScenarioTimeline

HOUR = 3600
DAY = 86_400
STEP = 300
DAYS = 12

COUNTRY_STYLE: Final[dict[str, tuple[float, tuple[int, ...]]]] = {
    "KZ": (6, (5, 6)),
    "IR": (3.5, (4,)),
    "IN": (5.5, (6,)),
    "ET": (3, (6,)),
    "MM": (6.5, (5, 6)),
    "SY": (3, (4, 5)),
    "IQ": (3, (4, 5)),
    "SD": (2, (4, 5)),
    "PK": (5, (6,)),
    "BD": (6, (4, 5)),
    "CU": (-5, (5, 6)),
    "VE": (-4, (5, 6)),
    "UZ": (5, (5, 6)),
}
WITH_FIXED: Final = ("KZ", "IR", "IN", "PK", "BD", "IQ")
ARCHETYPES: Final = (
    "national_blackout",
    "regional_blackout",
    "mobile_cut",
    "partial_disruption",
    "curfew",
    "power_outage",
    "long_blackout",
    "glitch",
    "holiday",
    "partial_national",
    "partial_regional",
    "noisy_quiet",
    "short_history",
    "recurring_cut",
    "regional_power",
    "level_shift",
    "collector_gap",
)
SEEDS_PER_ARCHETYPE: Final = 5


@dataclass(frozen=True, slots=True)
class Scenario:
    """A complete scenario: ground truth, how its signals look, its labels, and its size per entity."""

    name: str
    archetype: str
    timeline: ScenarioTimeline
    style: Style
    labels: tuple[Label, ...]
    sizes: dict[str, tuple[int, int, float]]
    glitches: tuple[Glitch, ...] = ()
    seed: int = 0
    synthetic_note: str = field(default="synthetic scenario; not a recording of real measurements")


@functools.cache
def ioda_durations() -> dict[str, list[int]]:
    """Outage durations in minutes from IODA's checked list, by scope (country, region, asn)."""
    text = resources.files("netvigil.sim.scenarios").joinpath("data/ioda_outages.csv").read_text("utf-8")
    durations: dict[str, list[int]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        durations.setdefault(row["scope"], []).append(int(row["duration_minutes"]))
    return durations


def draw_duration(rng: np.random.Generator, scope: str, low_h: float, high_h: float) -> int:
    """A real outage duration for ``scope``, clamped to ``low_h .. high_h`` hours, in seconds on the grid."""
    minutes = rng.choice(ioda_durations()[scope])
    seconds = float(np.clip(minutes * 60, low_h * HOUR, high_h * HOUR))
    return int(seconds // STEP * STEP)


def _regions(country: str, rng: np.random.Generator) -> tuple[tuple[str, float], ...]:
    subs = sorted(pycountry.subdivisions.get(country_code=country) or [], key=lambda s: s.code)  # type: ignore[no-untyped-call]
    chosen = rng.choice(len(subs), size=min(4, len(subs)), replace=False)
    shares = rng.dirichlet(np.ones(len(chosen)) * 3) * 0.6
    return tuple((str(subs[i].code), round(float(s), 3)) for i, s in zip(sorted(chosen), shares, strict=True))


def _operators(country: str) -> tuple[tuple[int, str, float], ...]:
    ops = [op for op in default_registry().operators_of(country) if op.kind != "transit"][:4]
    return tuple((op.asn, op.kind, op.share or 0.1) for op in ops)


def _sizes(timeline: ScenarioTimeline, rng: np.random.Generator) -> dict[str, tuple[int, int, float]]:
    blocks = int(rng.integers(3000, 12000))
    sizes = {f"country:{timeline.country}": (blocks, int(blocks * 1.4), 1000.0)}
    for region, share in timeline.regions:
        sizes[f"region:{region}"] = (max(150, int(blocks * share)), 0, 1000.0 * share)
    for asn, _, share in timeline.operators:
        sizes[f"asn:{asn}"] = (
            max(150, int(blocks * share)),
            max(100, int(blocks * 1.4 * share)),
            1000.0 * share,
        )
    return sizes


def _start_of_window(rng: np.random.Generator) -> int:
    monday = int(datetime(2021, 1, 4, tzinfo=UTC).timestamp())
    return monday + int(rng.integers(0, 150)) * 7 * DAY


def _local_midnight(start: int, day: int, offset_h: float) -> int:
    return int(start + day * DAY - offset_h * HOUR) // STEP * STEP


@dataclass
class Draft:
    """What an archetype builder fills in."""

    impairments: list[Impairment] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    glitches: list[Glitch] = field(default_factory=list)
    holidays: list[tuple[int, int, float]] = field(default_factory=list)
    entity_noise: list[tuple[str, float]] = field(default_factory=list)
    days: int = DAYS


Builder = Callable[[Draft, str, ScenarioTimeline, np.random.Generator, float], None]


def _event_start(rng: np.random.Generator, start: int, earliest_day: float = 2.0) -> int:
    return start + int(rng.uniform(earliest_day, 9.0) * DAY) // STEP * STEP


def _label(
    entity: str,
    kind: EventKind,
    scope: Scope,
    start: int,
    end: int,
    level: float,
    archetype: str,
    kinds: tuple[NetworkKind, ...] = (),
) -> Label:
    return Label(entity, kind, scope, start, end, round(level, 1), archetype, kinds)


def national_blackout(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """A whole country cut to a few % of ordinary; routes may or may not be withdrawn."""
    earliest = 1.1 if rng.random() < 0.3 else 2.0
    t0 = _event_start(rng, tl.start, earliest)
    t1 = t0 + draw_duration(rng, "country", 1.0, 48.0)
    depth = float(rng.uniform(0.01, 0.06))
    d.impairments.append(Impairment(f"country:{cc}", t0, t1, depth, routing=float(rng.uniform(0.2, 1.0))))
    d.labels.append(_label(f"country:{cc}", "blackout", "national", t0, t1, depth * 100, "national_blackout"))


def regional_blackout(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """One region cut off (routes stay: regional cuts rarely show in BGP)."""
    region, _ = tl.regions[int(rng.integers(0, len(tl.regions)))]
    t0 = _event_start(rng, tl.start)
    t1 = t0 + draw_duration(rng, "region", 1.0, 36.0)
    depth = float(rng.uniform(0.02, 0.08))
    d.impairments.append(Impairment(f"region:{region}", t0, t1, depth))
    d.labels.append(
        _label(f"region:{region}", "blackout", "regional", t0, t1, depth * 100, "regional_blackout")
    )


def mobile_cut(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """Mobile networks cut or throttled hard while fixed lines work."""
    t0 = _event_start(rng, tl.start)
    t1 = t0 + draw_duration(rng, "country", 2.0, 48.0)
    depth = float(rng.uniform(0.03, 0.25))
    d.impairments.append(Impairment("kind:mobile", t0, t1, depth))
    d.labels.append(
        _label(f"country:{cc}", "disruption", "network", t0, t1, depth * 100, "mobile_cut", ("mobile",))
    )


def partial_disruption(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """A national disruption to about half of ordinary, not a blackout."""
    t0 = _event_start(rng, tl.start)
    t1 = t0 + draw_duration(rng, "country", 2.0, 12.0)
    depth = float(rng.uniform(0.3, 0.55))
    d.impairments.append(Impairment(f"country:{cc}", t0, t1, depth))
    d.labels.append(
        _label(f"country:{cc}", "disruption", "national", t0, t1, depth * 100, "partial_disruption")
    )


def curfew(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """The same nightly cut for several nights (each night is one event)."""
    nights = int(rng.integers(3, 6))
    first = int(rng.integers(2, 9 - nights + 1))
    begin_h = float(rng.choice([21.0, 22.0, 23.0]))
    hours = float(rng.choice([6.0, 7.0, 8.0]))
    depth = float(rng.uniform(0.02, 0.07))
    for night in range(first, first + nights):
        t0 = _local_midnight(tl.start, night, off) + int(begin_h * HOUR)
        t1 = t0 + int(hours * HOUR)
        d.impairments.append(Impairment(f"country:{cc}", t0, t1, depth))
        d.labels.append(_label(f"country:{cc}", "blackout", "national", t0, t1, depth * 100, "curfew"))


def power_outage(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """A regional power cut: abrupt drop, gradual return as the grid comes back."""
    region, _ = tl.regions[int(rng.integers(0, len(tl.regions)))]
    t0 = _event_start(rng, tl.start)
    duration = draw_duration(rng, "region", 3.0, 12.0)
    t1 = t0 + duration
    depth = float(rng.uniform(0.15, 0.35))
    ramp = int(duration * 0.4) // STEP * STEP
    d.impairments.append(Impairment(f"region:{region}", t0, t1, depth, ramp=ramp))
    d.labels.append(_label(f"region:{region}", "disruption", "regional", t0, t1, depth * 100, "power_outage"))


def long_blackout(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """A multi-day national blackout with short partial or full restorations inside it."""
    t0 = tl.start + int(rng.uniform(2.0, 4.0) * DAY) // STEP * STEP
    t1 = t0 + int(rng.uniform(2.5, 4.5) * DAY) // STEP * STEP
    depth = float(rng.uniform(0.02, 0.05))
    routing = float(rng.uniform(0.4, 1.0))
    cuts: list[tuple[int, int]] = []
    cursor = t0
    for _ in range(int(rng.integers(2, 4))):
        gap_start = cursor + int(rng.uniform(0.5, 1.0) * DAY) // STEP * STEP
        if gap_start >= t1 - DAY // 4:
            break
        full = rng.random() < 0.5
        length = int(rng.uniform(45, 90) * 60 if full else rng.uniform(1, 3) * HOUR) // STEP * STEP
        cuts.append((cursor, gap_start))
        if not full:
            d.impairments.append(
                Impairment(f"country:{cc}", gap_start, gap_start + length, float(rng.uniform(0.35, 0.6)))
            )
        cursor = gap_start + length
    cuts.append((cursor, t1))
    for a, b in cuts:
        d.impairments.append(Impairment(f"country:{cc}", a, b, depth, routing=routing))
    d.labels.append(_label(f"country:{cc}", "blackout", "national", t0, t1, depth * 100, "long_blackout"))


def glitch(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """One signal of one entity collapses for a few bins (a collector fault): no event."""
    entity = f"country:{cc}" if rng.random() < 0.6 else f"region:{tl.regions[0][0]}"
    signals = ["bgp", "probe", "traffic"] if entity.startswith("country:") else ["probe", "traffic"]
    t0 = _event_start(rng, tl.start)
    length = int(rng.integers(3, 10)) * STEP
    d.glitches.append(Glitch(entity, str(rng.choice(signals)), t0, t0 + length, float(rng.uniform(0.0, 0.3))))


def holiday(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """A public holiday: traffic lower all day, probing and routing unchanged: no event."""
    day = int(rng.integers(2, 10))
    t0 = _local_midnight(tl.start, day, off)
    d.holidays.append((t0, t0 + DAY, float(rng.uniform(0.78, 0.88))))


def partial_national(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """NetBlocks' most common report: probing and traffic at 35-70 % for hours, BGP at 85-97 %."""
    t0 = _event_start(rng, tl.start, 4.0)
    t1 = t0 + draw_duration(rng, "country", 1.0, 12.0)
    depth = float(rng.uniform(0.35, 0.70))
    d.impairments.append(Impairment(f"country:{cc}", t0, t1, depth, routing=float(rng.uniform(0.85, 0.97))))
    d.labels.append(
        _label(f"country:{cc}", "disruption", "national", t0, t1, depth * 100, "partial_national")
    )


def partial_regional(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """One region at 35-70 % of ordinary for hours (routes stay); the country barely moves."""
    region, _ = tl.regions[int(rng.integers(0, len(tl.regions)))]
    t0 = _event_start(rng, tl.start, 4.0)
    t1 = t0 + draw_duration(rng, "region", 1.0, 12.0)
    depth = float(rng.uniform(0.35, 0.70))
    d.impairments.append(Impairment(f"region:{region}", t0, t1, depth))
    d.labels.append(
        _label(f"region:{region}", "disruption", "regional", t0, t1, depth * 100, "partial_regional")
    )


def noisy_quiet(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """A quiet region and a noisy one side by side: a 40 % evening drop is an event only on the quiet one.

    The noisy region's probing and traffic swing every evening (to 60-95 % of the day's level for
    2-4 hours) and its traffic is noisy all day: its own spread makes a 40 % swing ordinary. The
    quiet region drops to 60 % on one of those evenings, at the same time as a 40 % swing of the
    noisy one.
    """
    by_share = sorted(tl.regions, key=lambda r: r[1])
    noisy, quiet = f"region:{by_share[0][0]}", f"region:{by_share[-1][0]}"
    d.entity_noise.append((noisy, float(rng.uniform(0.10, 0.15))))
    day = int(rng.integers(4, 10))
    evening = 19.0 * HOUR
    t0 = _local_midnight(tl.start, day, off) + int(evening)
    t1 = t0 + int(rng.uniform(2.0, 5.0) * HOUR) // STEP * STEP
    for night in range(DAYS):
        shift = int(evening + rng.uniform(-1.0, 1.0) * HOUR) // STEP * STEP
        begin = _local_midnight(tl.start, night, off) + shift
        length = int(rng.uniform(2.0, 4.0) * HOUR) // STEP * STEP
        factor = 0.6 if night == day else float(rng.uniform(0.6, 0.95))
        if night == day:
            begin, length = t0, t1 - t0
        for signal in ("probe", "traffic"):
            d.glitches.append(Glitch(noisy, signal, begin, begin + length, factor))
    d.impairments.append(Impairment(quiet, t0, t1, 0.6))
    d.labels.append(_label(quiet, "disruption", "regional", t0, t1, 60.0, "noisy_quiet"))


def short_history(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """Only two days of data, a deep national cut on the second: judged by the % thresholds alone.

    Its noise cannot be known yet (``min_spread_days``); the first day has no baseline at all and
    cannot be judged (the detector says so, see "too little history").
    """
    d.days = 2
    t0 = tl.start + int(rng.uniform(1.1, 1.6) * DAY) // STEP * STEP
    t1 = t0 + int(rng.uniform(2.0, 8.0) * HOUR) // STEP * STEP
    depth = float(rng.uniform(0.02, 0.3))
    d.impairments.append(Impairment(f"country:{cc}", t0, t1, depth, routing=float(rng.uniform(0.3, 1.0))))
    kind: EventKind = "blackout" if depth <= 0.1 else "disruption"
    d.labels.append(_label(f"country:{cc}", kind, "national", t0, t1, depth * 100, "short_history"))


def recurring_cut(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """The same cut on several days, all of the country but its largest named region (left untouched)."""
    spared = max(tl.regions, key=lambda r: r[1])[0]
    days = int(rng.integers(3, 6))
    first = int(rng.integers(2, 9 - days + 1))
    begin_h = float(rng.choice([6.0, 8.0, 18.0, 22.0]))
    hours = float(rng.choice([3.0, 4.0, 6.0]))
    depth = float(rng.uniform(0.02, 0.07))
    for day in range(first, first + days):
        t0 = _local_midnight(tl.start, day, off) + int(begin_h * HOUR)
        t1 = t0 + int(hours * HOUR)
        cut = Impairment(f"except:{spared}", t0, t1, depth)
        d.impairments.append(cut)
        level = _level_under(tl, cut, f"country:{cc}")
        kind: EventKind = "blackout" if level <= 10.0 else "disruption"
        d.labels.append(_label(f"country:{cc}", kind, "national", t0, t1, level, "recurring_cut"))


def regional_power(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """A regional power outage: the region goes dark, then comes back slowly and raggedly over hours."""
    region, _ = tl.regions[int(rng.integers(0, len(tl.regions)))]
    t0 = _event_start(rng, tl.start)
    duration = draw_duration(rng, "region", 6.0, 24.0)
    t1 = t0 + duration
    depth = float(rng.uniform(0.02, 0.08))
    ramp = int(duration * rng.uniform(0.5, 0.8)) // STEP * STEP
    d.impairments.append(Impairment(f"region:{region}", t0, t1, depth, ramp=ramp))
    for _ in range(int(rng.integers(1, 4))):
        a = t1 - ramp + int(rng.uniform(0.1, 0.8) * ramp) // STEP * STEP
        b = min(t1, a + int(rng.uniform(0.5, 1.5) * HOUR) // STEP * STEP)
        d.impairments.append(Impairment(f"region:{region}", a, b, float(rng.uniform(0.5, 0.8))))
    d.labels.append(_label(f"region:{region}", "blackout", "regional", t0, t1, depth * 100, "regional_power"))


def level_shift(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """An operator renumbers: its old blocks stop answering probes for good; routes, traffic stay."""
    asn, _, share = tl.operators[int(rng.integers(0, len(tl.operators)))]
    t0 = _event_start(rng, tl.start)
    factor = float(rng.uniform(0.3, 0.7))
    d.glitches.append(Glitch(f"asn:{asn}", "probe", t0, tl.end, factor))
    d.glitches.append(Glitch(f"country:{cc}", "probe", t0, tl.end, 1.0 - share * (1.0 - factor)))


def collector_gap(d: Draft, cc: str, tl: ScenarioTimeline, rng: np.random.Generator, off: float) -> None:
    """The probing and traffic collectors go away for hours (no data, not zeros), BGP stays: no event."""
    t0 = _event_start(rng, tl.start)
    t1 = t0 + int(rng.uniform(3.0, 12.0) * HOUR) // STEP * STEP
    for entity in (f"country:{cc}", *(f"region:{r}" for r, _ in tl.regions)):
        for signal in ("probe", "traffic"):
            d.glitches.append(Glitch(entity, signal, t0, t1, float("nan")))


def _level_under(tl: ScenarioTimeline, cut: Impairment, entity: str) -> float:
    """The entity's connectivity, in % of ordinary, while ``cut`` alone holds."""
    alone = ScenarioTimeline.build(tl.country, tl.regions, tl.operators, tl.start, tl.end, STEP, [cut])
    return float(alone.factors(entity, np.array([cut.start], dtype=np.int64))[0]) * 100


BUILDERS: Final[dict[str, Builder]] = {
    "national_blackout": national_blackout,
    "regional_blackout": regional_blackout,
    "mobile_cut": mobile_cut,
    "partial_disruption": partial_disruption,
    "curfew": curfew,
    "power_outage": power_outage,
    "long_blackout": long_blackout,
    "glitch": glitch,
    "holiday": holiday,
    "partial_national": partial_national,
    "partial_regional": partial_regional,
    "noisy_quiet": noisy_quiet,
    "short_history": short_history,
    "recurring_cut": recurring_cut,
    "regional_power": regional_power,
    "level_shift": level_shift,
    "collector_gap": collector_gap,
}


def scenario_names() -> list[str]:
    """Every scenario of the built-in library: ``<archetype>-<cc>-<seed>``."""
    names: list[str] = []
    countries = list(COUNTRY_STYLE)
    for a_index, archetype in enumerate(ARCHETYPES):
        pool = WITH_FIXED if archetype == "mobile_cut" else countries
        for seed in range(SEEDS_PER_ARCHETYPE):
            country = pool[(a_index * 3 + seed) % len(pool)]
            names.append(f"{archetype}-{country.lower()}-{seed}")
    return names


def build(name: str) -> Scenario:
    """The scenario called ``name`` (see :func:`scenario_names`); deterministic."""
    archetype, country, seed_text = name.rsplit("-", 2)
    if archetype not in BUILDERS or country.upper() not in COUNTRY_STYLE or not seed_text.isdigit():
        raise KeyError(name)
    cc = country.upper()
    seed = int(seed_text)
    rng = np.random.default_rng([ARCHETYPES.index(archetype), seed, ord(cc[0]), ord(cc[1])])
    start = _start_of_window(rng)
    offset, weekend = COUNTRY_STYLE[cc]
    base = ScenarioTimeline.build(cc, _regions(cc, rng), _operators(cc), start, start + DAYS * DAY, STEP)
    draft = Draft()
    BUILDERS[archetype](draft, cc, base, rng, offset)
    timeline = ScenarioTimeline.build(
        cc, base.regions, base.operators, base.start, base.start + draft.days * DAY, STEP, draft.impairments
    )
    style = Style(
        utc_offset_hours=offset,
        amplitude=float(rng.uniform(0.3, 0.45)),
        weekend=weekend,
        weekend_factor=float(rng.uniform(0.85, 0.95)),
        growth_per_year=float(rng.uniform(0.0, 0.25)),
        noise=float(rng.uniform(0.02, 0.05)),
        holidays=tuple(draft.holidays),
        entity_noise=tuple(draft.entity_noise),
    )
    labels = tuple(_true_level(timeline, label) for label in draft.labels)
    return Scenario(
        name, archetype, timeline, style, labels, _sizes(timeline, rng), tuple(draft.glitches), seed
    )


def _true_level(timeline: ScenarioTimeline, label: Label) -> Label:
    """The label's level: the lowest true connectivity of its entity during it, in % of ordinary."""
    times = np.arange(label.start, label.end, STEP, dtype=np.int64)
    lowest = float(timeline.factors(label.entity, times).min()) * 100 if len(times) else label.level
    return replace(label, level=round(lowest, 1))
