"""A shared vocabulary for every event, compatible with Access Now STOP and Cloudflare Radar outages.

``type``: full, mobile only, fixed only, throttling, service (STOP's shutdown_type and
affected_network; Cloudflare's outage ``scope``/``type``). ``scope``: national, regional, local,
network. The cause is an analyst's statement (see :mod:`netvigil.model.annotations`); netvigil may
only *suggest* one, from what the data show, and a suggestion is always labelled as such:

- power outage: data-centre networks of the country are down at the same time as access networks;
- government-directed: access networks are down while the country's data-centre networks stay up;
- curfew: the same cut at the same hours on at least three days (separate events, each shorter
  than a day, starting within an hour of the same time of day);
- otherwise the detector's suggestion from the event's shape (``detect.cause``: exams, a sharp
  order, a power outage's ragged recovery, a cable cut), when it made one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from netvigil.detect.cause import RECUR_MIN_DAYS
from netvigil.detect.cause import recurring_days as shape_recurring_days
from netvigil.model.events import Event

OutageType = Literal["full", "mobile only", "fixed only", "throttling", "service"]
TaxonomyScope = Literal["national", "regional", "local", "network"]
CAUSES: Final[tuple[str, ...]] = (
    "government_directed",
    "curfew",
    "exams",
    "power_outage",
    "cable_cut",
    "technical_problem",
    "weather",
    "military_action",
    "cyberattack",
    "maintenance",
    "unknown",
)
CAUSE_LABELS: Final[dict[str, str]] = {
    "government_directed": "government-directed",
    "curfew": "curfew-style (government-directed, recurring)",
    "exams": "exam-time shutdown (government-directed, recurring mornings)",
    "power_outage": "power outage",
    "cable_cut": "cable cut",
    "technical_problem": "technical problem",
    "weather": "weather",
    "military_action": "military action",
    "cyberattack": "cyberattack",
    "maintenance": "maintenance",
    "unknown": "unknown",
}
CURFEW_MIN_DAYS: Final = RECUR_MIN_DAYS


@dataclass(frozen=True, slots=True)
class CauseSuggestion:
    """netvigil's guess at a cause, with the reason; never an attribution."""

    cause: str
    reason: str


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The shared description of one event."""

    type: OutageType
    scope: TaxonomyScope
    network_kinds: tuple[str, ...]
    services: tuple[str, ...]
    cause: str | None
    suggestion: CauseSuggestion | None

    @property
    def cause_text(self) -> str:
        """The cause for people: the analyst's, else the suggestion marked as one, else unknown."""
        if self.cause:
            return CAUSE_LABELS.get(self.cause, self.cause)
        if self.suggestion:
            return f"unknown (suggested: {CAUSE_LABELS[self.suggestion.cause]} — not confirmed)"
        return "unknown"


def outage_type(event: Event) -> OutageType:
    """Full, mobile only, fixed only, throttling or service, from the event's kind and networks."""
    if event.kind == "service_blocking":
        return "service"
    if event.kind == "throttling":
        return "throttling"
    kinds = set(event.network_kinds)
    if kinds == {"mobile"}:
        return "mobile only"
    if kinds == {"fixed"}:
        return "fixed only"
    return "full"


def taxonomy_scope(event: Event, entity_kind: str | None) -> TaxonomyScope:
    """National, regional, local or network: a country-wide one-kind cut counts as network scope."""
    if event.scope == "regional":
        return "regional"
    if event.scope == "network" or entity_kind is not None:
        return "network"
    if event.entity.startswith("service:") and "@asn:" in event.entity:
        return "network"
    if event.entity.startswith("region:"):
        return "regional"
    return "national"


def recurring_days(event: Event, siblings: Iterable[Event]) -> int:
    """How many distinct days have a like sub-day cut of this entity starting near the same time of day.

    The detector's own rule (:func:`netvigil.detect.cause.recurring_days`), over the siblings of
    the same entity.
    """
    return shape_recurring_days(event, [e for e in siblings if e.entity == event.entity and e.id != event.id])


def suggest_cause(
    event: Event,
    siblings: Sequence[Event],
    datacenters_observed: Sequence[str],
    datacenters_down: Sequence[str],
) -> CauseSuggestion | None:
    """A suggested cause from the data (or ``None`` when the data cannot tell).

    ``siblings`` are other events of the same country; ``datacenters_observed`` the data-centre
    networks of that country with signals at the time, ``datacenters_down`` those with an event
    overlapping this one.
    """
    if event.kind in ("service_blocking", "throttling"):
        return CauseSuggestion(
            "government_directed", "one service is blocked or slowed while the network itself works"
        )
    days = recurring_days(event, siblings)
    if days >= CURFEW_MIN_DAYS:
        return CauseSuggestion(
            "curfew", f"the same cut at the same hours on {days} days, connectivity back in between"
        )
    if datacenters_down:
        names = ", ".join(datacenters_down)
        return CauseSuggestion("power_outage", f"data-centre networks are down too ({names})")
    if datacenters_observed:
        names = ", ".join(datacenters_observed)
        return CauseSuggestion(
            "government_directed", f"access networks are down while data-centre networks stay up ({names})"
        )
    shape = event.suggestion
    return CauseSuggestion(shape.cause, shape.reason) if shape else None


def classify(
    event: Event,
    entity_kind: str | None,
    cause: str | None,
    suggestion: CauseSuggestion | None,
) -> Taxonomy:
    """The taxonomy of one event; ``cause`` is the analyst's (or ``None``)."""
    return Taxonomy(
        outage_type(event),
        taxonomy_scope(event, entity_kind),
        event.network_kinds or ((entity_kind,) if entity_kind else ()),
        event.services,
        cause or event.cause,
        suggestion,
    )
