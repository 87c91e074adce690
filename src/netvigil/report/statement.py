"""The headline a journalist can quote, generated from the event and never stronger than its evidence.

Three things set the wording. The *level band* (lowest connectivity as % of ordinary) picks the
noun: below 10 % a blackout (only if the detector called it one), 10-50 % a major disruption,
50-85 % a partial disruption, above that a minor one. The *evidence* picks the verb: "Metrics
show" needs confidence >= 0.75 from at least two independent signals; "Metrics indicate" needs
confidence >= 0.5; anything weaker is "Preliminary data suggest a possible …". The *scope* picks
the subject: nation-scale, regional, one network kind, one operator, or one service. An event about
one network kind of a country is worded at those networks' level, the national figure beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from netvigil.model.events import Event
from netvigil.report.zones import utc_text

STRONG_CONFIDENCE: Final = 0.75
FAIR_CONFIDENCE: Final = 0.5
BLACKOUT_BELOW: Final = 10.0
MAJOR_BELOW: Final = 50.0
PARTIAL_BELOW: Final = 85.0


@dataclass(frozen=True, slots=True)
class Place:
    """Who the event is about, in words: ``name`` of the entity and its ``country`` name."""

    name: str
    country: str
    network_kind: str | None = None
    service: str | None = None


def evidence_verb(confidence: float, signals: int) -> str:
    """How sure the sentence may sound."""
    if confidence >= STRONG_CONFIDENCE and signals >= 2:
        return "Metrics show"
    if confidence >= FAIR_CONFIDENCE:
        return "Metrics indicate"
    return "Preliminary data suggest"


def severity(event: Event) -> str:
    """The noun for the level band, capped by the detector's kind."""
    if event.level < BLACKOUT_BELOW and event.kind == "blackout":
        return "blackout"
    if event.level < MAJOR_BELOW:
        return "major disruption"
    if event.level < PARTIAL_BELOW:
        return "partial disruption"
    return "minor disruption"


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _subject(event: Event, place: Place, noun: str, lead: str) -> tuple[str, str]:
    """The disruption phrase and the 'X connectivity' phrase for the event's scope.

    ``lead`` is ``"possible "`` for weak evidence, else empty.
    """
    kinds = set(event.network_kinds)
    if event.scope == "national" and not kinds:
        phrase = (
            f"{lead}nation-scale internet blackout"
            if noun == "blackout"
            else f"{lead}nation-scale {noun} to internet connectivity"
        )
        return f"{_article(phrase)} {phrase} in {place.name}", "national connectivity"
    phrase = f"{lead}{noun}"
    if event.scope == "regional":
        return f"{_article(phrase)} {phrase} of internet service in {place.name}, {place.country}", (
            "regional connectivity"
        )
    if place.network_kind is not None:
        kind = place.network_kind
        return f"{_article(phrase)} {phrase} on {place.name}, a {kind} network in {place.country}", (
            "the network's connectivity"
        )
    label = " and ".join(sorted(kinds)) or "some"
    return f"{_article(phrase)} {phrase} of {label} internet in {place.name}", f"{label} connectivity"


def _service_sentence(event: Event, place: Place, verb: str) -> str:
    service = place.service or "a service"
    if event.is_service and event.scope != "service":
        what = f"{service} degraded in {place.name}"
        measure = f"{event.level:.0f} % of ordinary reachability there, relative to {place.country}"
        if verb == "Preliminary data suggest":
            what = f"possibly {what}"
        return f"{verb} {what}; {measure}"
    if event.kind == "throttling":
        what = f"throttling of {service} in {place.name}"
        measure = f"{service} performance at {event.level:.0f} % of ordinary"
    else:
        what = f"restrictions on {service} in {place.name}"
        measure = f"{event.level:.0f} % of {service} tests succeeding"
    if verb == "Preliminary data suggest":
        what = f"possible {what}"
    return f"{verb} {what}; {measure}"


def headline(event: Event, place: Place) -> str:
    """One sentence in NetBlocks' style, tied to scope, kind, level band and confidence."""
    verb = evidence_verb(event.confidence, len(event.signals))
    if event.scope == "service" or event.kind in ("service_blocking", "throttling"):
        body = _service_sentence(event, place, verb)
    else:
        lead = "possible " if verb == "Preliminary data suggest" else ""
        what, measure = _subject(event, place, severity(event), lead)
        body = f"{verb} {what}; {measure} at {event.level:.1f} % of ordinary levels{_beside(event)}"
    return f"{body} ({when(event)})."


def _beside(event: Event) -> str:
    """The national figure after the affected networks' own, for a country event about some networks."""
    national = event.national_level
    return "" if national is None else f", national connectivity at {national:.1f} %"


def suggestion_sentence(event: Event) -> str:
    """The detector's suggested cause as a sentence marked as a suggestion, or nothing."""
    shape = event.suggestion
    return f"{shape.text[0].upper()}{shape.text[1:]}." if shape else ""


def when(event: Event) -> str:
    """From when to when, or since when while ongoing."""
    if event.end is None:
        return f"since {utc_text(event.start)}, ongoing"
    return f"from {utc_text(event.start)} to {utc_text(event.end)}"
