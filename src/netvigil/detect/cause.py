"""A cause suggested from an event's shape: always labelled a suggestion, always with its reason.

netvigil never attributes a cause (an analyst does, ``netvigil event annotate``); it may point at
what the shape of the data resembles. The shapes (issue 14; docs/detector.md, "Cause suggestion"):

- **exams**: short cuts (at most :data:`EXAM_MAX_SECONDS`) of the same place, starting in the local
  morning (:data:`MORNING_HOURS`, exam sessions) at the same hour on at least
  :data:`RECUR_MIN_DAYS` days (Syria, Iraq, Algeria in June);
- **government-ordered**: the same cut at the same hours on at least :data:`RECUR_MIN_DAYS` days
  (a curfew-style shutdown), or one sharp national or regional blackout of at least
  :data:`ORDER_MIN_SECONDS` — cut at once, back at once, no partial restoration — often with BGP
  routes withdrawn;
- **power outage**: a slow, ragged recovery (partial restorations), regional or local (or any
  scope with at least :data:`RAGGED_MIN` partial restorations);
- **cable cut**: latency up while connectivity drops, or many networks degraded at once while their
  routes stay announced.

Anything else gets no suggestion. The rules read only what an event and its siblings show (scope,
times, level, phases, signals, children), so they work the same on a live event and on an outage
of IODA's checked list (``benchmarks/bench_cause.py`` scores them against its causes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from netvigil.model.entities import parse_entity
from netvigil.model.errors import EntityParseError
from netvigil.model.events import Event, SuggestedCause, parse_iso

DAY: Final = 86_400
RECUR_TOLERANCE_SECONDS: Final = 3_600
RECUR_WINDOW_DAYS: Final = 14
RECUR_MIN_DAYS: Final = 3
RECUR_MIN_SECONDS: Final = 2 * 3_600
EXAM_MAX_SECONDS: Final = 8 * 3_600
MORNING_HOURS: Final = (3.0, 13.0)
ORDER_MIN_SECONDS: Final = 8 * 3_600
RAGGED_MIN: Final = 2
MANY_NETWORKS: Final = 3
BLACKOUT_LEVEL: Final = 10.0
RECOVERY_STEPS: Final = frozenset({"partial restoration", "brief restoration"})
"""Phase notes (``detect.events``) that are a step of an uneven recovery: partly or briefly back."""
ROUTE_SIGNALS: Final = frozenset({"bgp", "bgp6", "ioda.bgp"})
CAUSE_NAMES: Final[tuple[str, ...]] = ("government_directed", "exams", "power_outage", "cable_cut")

UtcOffset = Callable[[str, int], float | None]
"""``utc_offset(country, at)``: hours east of UTC of a country at a moment, None when unknown."""


@dataclass(frozen=True, slots=True)
class Shape:
    """What the suggestion reads of one event: its scope, timing, recovery and routes."""

    scope: str
    duration: int | None
    local_start_hour: float | None
    recurring_days: int
    level: float
    partial_restorations: int
    routes_withdrawn: bool
    routes_kept: bool
    latency_up: bool
    networks_hit: int

    @property
    def sharp(self) -> bool:
        """Cut at once and back at once: a blackout with no partial restoration on the way back."""
        return self.level <= BLACKOUT_LEVEL and self.partial_restorations == 0


def recurring_days(event: Event, siblings: Sequence[Event]) -> int:
    """Distinct days within :data:`RECUR_WINDOW_DAYS` with a like cut starting at this one's hour.

    Like: closed, shorter than a day, at least :data:`RECUR_MIN_SECONDS` long, and lasting between
    half and twice as long as this one (an order repeats the same hours; noise does not).
    """
    length = _recurrable_length(event)
    if length is None:
        return 1
    days = {event.start // DAY}
    for other in siblings:
        other_length = _recurrable_length(other)
        apart = abs(other.start - event.start)
        gap = apart % DAY
        alike = other_length is not None and length / 2 <= other_length <= length * 2
        if alike and apart <= RECUR_WINDOW_DAYS * DAY and min(gap, DAY - gap) <= RECUR_TOLERANCE_SECONDS:
            days.add(other.start // DAY)
    return len(days)


def _recurrable_length(event: Event) -> int | None:
    """The length of a closed cut between :data:`RECUR_MIN_SECONDS` and a day long, else None."""
    if event.end is None or not RECUR_MIN_SECONDS <= event.end - event.start < DAY:
        return None
    return event.end - event.start


def recovery_steps(event: Event) -> int:
    """Partial or brief restorations that are not cut again: the steps of a slow return.

    A restoration followed by a new cut is a switch (an order lifted and imposed again), not a
    recovery.
    """
    notes = [phase.note for phase in event.phases]
    following = [*notes[1:], None]
    return sum(1 for i, note in enumerate(notes) if note in RECOVERY_STEPS and following[i] != "cut again")


def shape_of(
    event: Event,
    siblings: Sequence[Event],
    utc_offset: float | None = None,
    observed: frozenset[str] = frozenset(),
    latency_up: bool = False,
) -> Shape:
    """The shape of ``event``; ``siblings`` are other cuts of the same place, ``observed`` its signals.

    Routes count as withdrawn when a BGP signal is among the event's dropped signals, and as kept
    when the place has a BGP signal (``observed``) that did not drop.
    """
    dropped = set(event.signals)
    has_routes = bool(ROUTE_SIGNALS & observed)
    hour = None if utc_offset is None else ((event.start % DAY) / 3600 + utc_offset) % 24
    return Shape(
        scope=event.scope,
        duration=None if event.end is None else event.end - event.start,
        local_start_hour=hour,
        recurring_days=recurring_days(event, siblings),
        level=event.level,
        partial_restorations=recovery_steps(event),
        routes_withdrawn=bool(ROUTE_SIGNALS & dropped),
        routes_kept=has_routes and not ROUTE_SIGNALS & dropped,
        latency_up=latency_up,
        networks_hit=sum(1 for child in event.children if child.startswith("asn:")),
    )


def _morning(shape: Shape) -> bool:
    low, high = MORNING_HOURS
    return shape.local_start_hour is not None and low <= shape.local_start_hour < high


def _span(shape: Shape) -> str:
    return f"{shape.duration / 3600:.1f} h" if shape.duration is not None else "ongoing"


def _recurring(shape: Shape) -> SuggestedCause | None:
    """Exams (short, in the local morning) or a curfew-style order: the same cut on several days."""
    days = shape.recurring_days
    if days < RECUR_MIN_DAYS:
        return None
    short = shape.duration is not None and shape.duration <= EXAM_MAX_SECONDS
    if short and _morning(shape):
        at = f"{shape.local_start_hour:04.1f}".replace(".", "h")
        reason = f"short cuts ({_span(shape)}) start in the local morning (about {at}) on {days} days"
        return SuggestedCause("exams", reason)
    reason = f"the same cut ({_span(shape)}) starts at the same hour on {days} days"
    return SuggestedCause("government_directed", reason)


def _ragged(shape: Shape) -> SuggestedCause | None:
    """A power outage: connectivity comes back slowly and unevenly, mostly in a region or a place."""
    partial = shape.partial_restorations
    if partial >= RAGGED_MIN or (partial >= 1 and shape.scope in ("regional", "local")):
        steps = f"{partial} partial or brief restoration{'s' if partial > 1 else ''}"
        reason = f"a {shape.scope} outage comes back slowly and unevenly ({steps})"
        return SuggestedCause("power_outage", reason)
    return None


def _cable(shape: Shape) -> SuggestedCause | None:
    """A cable cut: latency up, or many networks degraded while their routes stay announced."""
    if shape.latency_up:
        return SuggestedCause("cable_cut", "latency rose while connectivity dropped (longer paths)")
    wide = shape.networks_hit >= MANY_NETWORKS or shape.scope == "national"
    if shape.routes_kept and shape.level > BLACKOUT_LEVEL and wide:
        reason = f"connectivity fell to {shape.level:.0f} % across networks while their routes stayed up"
        return SuggestedCause("cable_cut", reason)
    return None


def _sharp(shape: Shape) -> SuggestedCause | None:
    """A government order: a sharp national or regional blackout for many hours, back at once.

    Shorter single cuts get no suggestion: a cable cut, a power failure and an order look alike
    for a few hours (IODA's list: most cable cuts and power outages last 1–8 h, most single orders
    longer).
    """
    long_enough = shape.duration is None or shape.duration >= ORDER_MIN_SECONDS
    if not shape.sharp or shape.scope not in ("national", "regional") or not long_enough:
        return None
    routes = ", BGP routes withdrawn" if shape.routes_withdrawn else ""
    reason = f"a sharp {shape.scope} cut to {shape.level:.0f} % and back at once ({_span(shape)}{routes})"
    return SuggestedCause("government_directed", reason)


RULES: Final = (_recurring, _ragged, _cable, _sharp)
"""The shapes in the order they are tried: the first that fits gives the suggestion."""


def suggest(shape: Shape) -> SuggestedCause | None:
    """The suggested cause of a shape with its reason, or None when the shape does not tell."""
    for rule in RULES:
        found = rule(shape)
        if found is not None:
            return found
    return None


def suggest_cause(
    event: Event,
    siblings: Sequence[Event],
    utc_offset: float | None = None,
    observed: frozenset[str] = frozenset(),
    latency_up: bool = False,
) -> SuggestedCause | None:
    """The suggested cause of one event (see :func:`shape_of` for the arguments)."""
    if event.kind in ("service_blocking", "throttling"):
        return None
    return suggest(shape_of(event, siblings, utc_offset, observed, latency_up))


def with_suggestions(
    events: Sequence[Event],
    utc_offset: UtcOffset | None = None,
    observed: Mapping[str, frozenset[str]] | None = None,
) -> list[Event]:
    """The events, each with its suggested cause (siblings: the other events of the same entity)."""
    by_entity: dict[str, list[Event]] = {}
    for event in events:
        by_entity.setdefault(event.entity, []).append(event)
    out: list[Event] = []
    for event in events:
        siblings = [e for e in by_entity[event.entity] if e.id != event.id]
        country = _country(event.entity)
        offset = utc_offset(country, event.start) if utc_offset and country else None
        found = suggest_cause(event, siblings, offset, (observed or {}).get(event.entity, frozenset()))
        out.append(
            replace(event, suggested_cause=found.cause, suggested_reason=found.reason)
            if found
            else replace(event, suggested_cause=None, suggested_reason=None)
        )
    return out


def _country(entity: str) -> str | None:
    try:
        return parse_entity(entity).country_code
    except EntityParseError:
        return None


IODA_CAUSES: Final[dict[str, str]] = {
    "Government-Ordered": "government_directed",
    "Exams": "exams",
    "Power-Outage": "power_outage",
    "Cable-Cut": "cable_cut",
}
"""IODA's cause names (its checked outage list) for the four shapes netvigil suggests."""
IODA_SCOPES: Final[dict[str, str]] = {"country": "national", "region": "regional", "asn": "network"}
IODA_OBSERVED: Final = frozenset({"bgp", "probe", "ioda.merit-nt"})


@dataclass(frozen=True, slots=True)
class CheckedOutage:
    """One outage of IODA's hand-checked list (tests/fixtures/ground-truth/ioda_causes.csv)."""

    id: str
    country: str
    scope: str
    cause: str
    start: int
    end: int
    signals: tuple[str, ...]
    utc_offset: float | None

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> CheckedOutage:
        """An outage from a row of the fixture (columns as scripts/derive_ioda_causes.py writes them)."""
        shown = {"bgp": "bgp", "probe": "probe", "telescope": "ioda.merit-nt"}
        return cls(
            id=row["id"],
            country=row["country"],
            scope=row["scope"],
            cause=row["cause"],
            start=parse_iso(row["begin"]),
            end=parse_iso(row["end"]),
            signals=tuple(signal for column, signal in shown.items() if row[column] == "1"),
            utc_offset=float(row["utc_offset"]) if row["utc_offset"] else None,
        )

    def event(self) -> Event:
        """The outage as netvigil would show it, from what the list says.

        The list has no levels and no recovery shapes: an outage BGP showed is taken as a blackout
        (routes gone, then back), one it did not as a disruption at half of ordinary; no phases.
        """
        routes = "bgp" in self.signals
        return Event(
            id=self.id,
            entity=f"country:{self.country}",
            entity_name=self.country,
            kind="blackout" if routes else "disruption",
            scope=IODA_SCOPES.get(self.scope, "national"),  # type: ignore[arg-type]
            start=self.start,
            end=self.end,
            level=0.0 if routes else 50.0,
            signals=self.signals,
            confidence=1.0,
        )


@dataclass(frozen=True, slots=True)
class CauseScore:
    """How the suggestions of a list's outages compare with its causes."""

    confusion: dict[str, dict[str, int]]
    """IODA's cause → netvigil's suggestion (``none`` when there is none) → outages."""

    def accuracy(self, cause: str) -> float:
        """The share of the outages of ``cause`` whose suggestion is that cause."""
        row = self.confusion.get(cause, {})
        total = sum(row.values())
        return row.get(cause, 0) / total if total else 0.0

    def precision(self, cause: str) -> float | None:
        """The share of the suggestions of ``cause`` that name IODA's cause (None if never suggested)."""
        made = sum(row.get(cause, 0) for row in self.confusion.values())
        return self.confusion.get(cause, {}).get(cause, 0) / made if made else None

    def suggested_precision(self) -> float:
        """The share of all suggestions made that name IODA's cause."""
        made = sum(n for row in self.confusion.values() for guess, n in row.items() if guess != "none")
        right = sum(row.get(cause, 0) for cause, row in self.confusion.items())
        return right / made if made else 0.0

    def overall(self) -> float:
        """The share of all scored outages whose suggestion is their cause."""
        total = sum(sum(row.values()) for row in self.confusion.values())
        right = sum(row.get(cause, 0) for cause, row in self.confusion.items())
        return right / total if total else 0.0


def score(outages: Sequence[CheckedOutage]) -> CauseScore:
    """Suggest a cause for every outage of the four causes (its siblings: the same country and scope)."""
    events = {o.id: o.event() for o in outages}
    places: dict[tuple[str, str], list[Event]] = {}
    for outage in outages:
        places.setdefault((outage.country, outage.scope), []).append(events[outage.id])
    confusion: dict[str, dict[str, int]] = {cause: {} for cause in IODA_CAUSES.values()}
    for outage in outages:
        truth = IODA_CAUSES.get(outage.cause)
        if truth is None:
            continue
        event = events[outage.id]
        siblings = [e for e in places[(outage.country, outage.scope)] if e.id != event.id]
        found = suggest_cause(event, siblings, outage.utc_offset, IODA_OBSERVED)
        guess = found.cause if found else "none"
        confusion[truth][guess] = confusion[truth].get(guess, 0) + 1
    return CauseScore(confusion)
