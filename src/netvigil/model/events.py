"""Events (contract 3.3): a disruption of one entity, from start to end, with phases.

``level`` is the lowest connectivity seen, as % of ordinary, of the part the event is about: for a
country event of network scope (a mobile-only cut) that is the named networks' level, while its
phases keep the country-wide course and :attr:`Event.national_level` gives the national figure
beside it. Times are Unix seconds here and ISO 8601 UTC (``Z``) in :meth:`Event.to_json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal, overload

from netvigil.model.entities import NetworkKind, service_scope
from netvigil.model.errors import InputError

EventKind = Literal["blackout", "disruption", "throttling", "service_blocking"]
EVENT_KINDS: Final[tuple[EventKind, ...]] = (
    "blackout",
    "disruption",
    "throttling",
    "service_blocking",
)
Scope = Literal["national", "regional", "local", "network", "service"]
SCOPES: Final[tuple[Scope, ...]] = ("national", "regional", "local", "network", "service")
EndReason = Literal["restored", "rebaselined", "escalated"]


@overload
def iso(ts: int) -> str: ...
@overload
def iso(ts: None) -> None: ...
@overload
def iso(ts: int | None) -> str | None: ...


def iso(ts: int | None) -> str | None:
    """Unix seconds to ISO 8601 UTC with ``Z``; ``None`` stays ``None``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> int:
    """ISO 8601 with a zone (``Z`` or an offset) to Unix seconds; raises ValueError otherwise."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone; add Z or an offset such as +06:00")
    return int(moment.timestamp())


MOMENT_RANGE: Final = (0, 253_402_300_800)
"""Times a caller may name: 1970-01-01 up to (not including) the year 10000, which ISO 8601 cannot write."""


def parse_moment(text: str | None, name: str) -> int | None:
    """ISO 8601 with a zone, or Unix seconds, given as parameter ``name``; empty is None.

    The API's times and an alert rule's ``since`` are read with it; anything else, and any time
    outside :data:`MOMENT_RANGE` (``at=99999999999999999999``), raises an :class:`InputError`
    naming the parameter.
    """
    if text is None or text == "":
        return None
    shown = repr(text) if len(text) <= 40 else f"{text[:37]!r}…"
    try:
        moment = int(text) if text.lstrip("-").isdigit() and len(text) <= 40 else parse_iso(text)
    except (ValueError, OverflowError):
        if text.lstrip("-").isdigit():
            moment = MOMENT_RANGE[1]
        else:
            raise InputError(f"{name}: {shown} is not a time; use ISO 8601 with Z, or Unix seconds") from None
    if not MOMENT_RANGE[0] <= moment < MOMENT_RANGE[1]:
        raise InputError(
            f"{name}: {shown} is out of range; a time is from 1970 to 9999 (Unix seconds, not milliseconds)"
        )
    return moment


_SPAN_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


def parse_span(text: str, name: str) -> int:
    """A length of time such as ``14d``, ``36h``, ``90m``, ``2w`` or plain seconds, as seconds.

    Anything else raises an :class:`InputError` naming the parameter.
    """
    number, unit = (text[:-1], text[-1]) if text[-1:] in _SPAN_UNITS else (text, "s")
    if not number.isdigit() or int(number) == 0:
        raise InputError(f"{name}: {text!r} is not a length of time; use e.g. 14d, 36h, 90m or seconds")
    return int(number) * _SPAN_UNITS[unit]


@dataclass(frozen=True, slots=True)
class Phase:
    """A stretch of an event at one level band, e.g. a partial restoration."""

    start: int
    end: int | None
    level: float
    note: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Phase:
        """Rebuild a phase from :meth:`to_json` output."""
        end = data.get("end")
        return cls(
            parse_iso(data["start"]), parse_iso(end) if end else None, float(data["level"]), data["note"]
        )

    def to_json(self) -> dict[str, Any]:
        """The phase as contract 3.3 shows it."""
        return {
            "start": iso(self.start),
            "end": iso(self.end),
            "level": round(self.level, 1),
            "note": self.note,
        }


RESTORED_NOTES: Final = ("brief restoration",)
"""Phase notes of normal stretches inside an event (their level is a median, not a low)."""


def lowest_phase_level(phases: Sequence[Phase]) -> float | None:
    """The lowest level of the phases that are part of the disruption (None when there are none).

    Restoration phases and the closing "baseline re-learned" mark are left out.
    """
    kept = [p.level for p in phases if p.note not in RESTORED_NOTES and not p.note.startswith("baseline")]
    return min(kept, default=None)


SUGGESTED_CAUSE_TEXT: Final[dict[str, str]] = {
    "government_directed": "government-ordered shutdown",
    "exams": "exam-time shutdown",
    "power_outage": "power outage",
    "cable_cut": "cable cut",
}


@dataclass(frozen=True, slots=True)
class SuggestedCause:
    """netvigil's guess at an event's cause from its shape, with the reason: never an attribution.

    ``cause`` is one of the vocabulary of ``report.taxonomy.CAUSES`` (government_directed,
    power_outage, cable_cut, exams, …); ``reason`` says what in the data points to it.
    """

    cause: str
    reason: str

    @property
    def text(self) -> str:
        """The sentence shown to people, marked as a suggestion."""
        cause = SUGGESTED_CAUSE_TEXT.get(self.cause, self.cause.replace("_", " "))
        return f"suggested cause: {cause} because {self.reason} (a suggestion, not confirmed)"

    def to_json(self) -> dict[str, str]:
        """The suggestion as the API shows it."""
        return {"cause": self.cause, "reason": self.reason, "text": self.text, "status": "suggestion"}


@dataclass(frozen=True, slots=True)
class Event:
    """A detected disruption of one entity (contract 3.3, plus additive fields)."""

    id: str
    entity: str
    entity_name: str
    kind: EventKind
    scope: Scope
    start: int
    end: int | None
    level: float
    signals: tuple[str, ...]
    confidence: float
    children: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    phases: tuple[Phase, ...] = ()
    cause: str | None = None
    network_kinds: tuple[NetworkKind, ...] = ()
    parent_event: str | None = None
    end_reason: EndReason | None = None
    step: int = 300
    detected_at: int | None = None
    suggested_cause: str | None = None
    suggested_reason: str | None = None

    @property
    def suggestion(self) -> SuggestedCause | None:
        """The cause suggested from the event's shape (``detect.cause``), if any; never the analyst's."""
        if self.suggested_cause is None:
            return None
        return SuggestedCause(self.suggested_cause, self.suggested_reason or "")

    @property
    def ongoing(self) -> bool:
        """True while the event has no end."""
        return self.end is None

    @property
    def national_level(self) -> float | None:
        """The country-wide figure beside ``level`` for a country event about some networks only.

        ``None`` for every other event (their ``level`` already is the whole entity's).
        """
        if self.scope != "network" or not self.entity.startswith("country:"):
            return None
        return lowest_phase_level(self.phases)

    @property
    def is_service(self) -> bool:
        """A service event (its entity a ``service:…``), whatever its scope (``service``, ``regional``)."""
        return self.entity.startswith("service:")

    @property
    def place(self) -> str | None:
        """Where a service event was seen from (``region:KZ-75`` of ``service:whatsapp@region:KZ-75``)."""
        return service_scope(self.entity) or None

    def to_json(self) -> dict[str, Any]:
        """The event as contract 3.3 shows it (JSON-ready)."""
        return {
            "id": self.id,
            "entity": self.entity,
            "entity_name": self.entity_name,
            "kind": self.kind,
            "scope": self.scope,
            "start": iso(self.start),
            "end": iso(self.end),
            "ongoing": self.ongoing,
            "level": round(self.level, 1),
            "national_level": None if self.national_level is None else round(self.national_level, 1),
            "signals": list(self.signals),
            "confidence": round(self.confidence, 2),
            "children": list(self.children),
            "services": list(self.services),
            "phases": [phase.to_json() for phase in self.phases],
            "cause": self.cause,
            "network_kinds": list(self.network_kinds),
            "parent_event": self.parent_event,
            "end_reason": self.end_reason,
            "step": self.step,
            "detected_at": iso(self.detected_at),
            "suggested_cause": self.suggestion.to_json() if self.suggestion else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        """Rebuild an event from :meth:`to_json` output."""
        return cls(
            id=data["id"],
            entity=data["entity"],
            entity_name=data["entity_name"],
            kind=data["kind"],
            scope=data["scope"],
            start=parse_iso(data["start"]),
            end=parse_iso(data["end"]) if data.get("end") else None,
            level=float(data["level"]),
            signals=tuple(data.get("signals", ())),
            confidence=float(data["confidence"]),
            children=tuple(data.get("children", ())),
            services=tuple(data.get("services", ())),
            phases=tuple(Phase.from_json(p) for p in data.get("phases", ())),
            cause=data.get("cause"),
            network_kinds=tuple(data.get("network_kinds", ())),
            parent_event=data.get("parent_event"),
            end_reason=data.get("end_reason"),
            step=int(data.get("step", 300)),
            detected_at=parse_iso(data["detected_at"]) if data.get("detected_at") else None,
            suggested_cause=(data.get("suggested_cause") or {}).get("cause"),
            suggested_reason=(data.get("suggested_cause") or {}).get("reason"),
        )


def national_aside(event: Event) -> str:
    """``" (national 44.5 %)"`` for an event about some networks of a country, else empty.

    Headlines of alerts and feeds put it after the event's own level, so the affected part leads.
    """
    national = event.national_level
    return "" if national is None else f" (national {national:.1f} %)"


@dataclass(frozen=True, slots=True)
class Label:
    """Ground truth for evaluation: an event a scenario contains (or ``expect_event=False``)."""

    entity: str
    kind: EventKind
    scope: Scope
    start: int
    end: int
    level: float
    archetype: str
    network_kinds: tuple[NetworkKind, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which stored events to read; every field narrows, ``None`` does not."""

    entities: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    scopes: Sequence[str] | None = None
    since: int | None = None
    until: int | None = None
    ongoing: bool | None = None
    top_level_only: bool = False
    limit: int | None = None
