"""A country's shutdown in order, told from its detected events: the steps a reader follows.

The Kazakhstan shutdown of January 2022 began as services degraded in cities ("WhatsApp and
Telegram degraded in Almaty"), then messengers were blocked country-wide, mobile networks were cut,
the whole country went dark, and Almaty came back before the rest. :func:`shutdown_story` finds
those steps among any country's events, in time order, for the demo's printout, the report's
timeline section and the dashboard's timeline:

* ``place_services``: services degraded in one region (or local place), one step per place and
  overlapping group, worded by its statement and the vantage points that saw it;
* ``country_services``: services blocked (or throttled) in the whole country, overlapping ones
  said together;
* ``networks``: the first country event about some network kinds only (the mobile cut);
* ``national``: the first nation-scale event;
* ``restored``: a region of the national event back at least an hour before the country.

A step the detector did not find is left out, never made up; each step names the event it tells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from netvigil.detect.services import overlaps, service_list, service_order
from netvigil.model.entities import parse_entity
from netvigil.model.events import Event, iso

Stage = Literal["place_services", "country_services", "networks", "national", "restored"]
RESTORED_BEFORE: Final = 3600
"""A region is told as restored before its country only when it was back this much earlier."""
SEEN_BY: Final = " (seen by "
ONGOING_UNTIL: Final = 2**62
"""An ongoing event overlaps everything after its start."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the story: when, what in words, which stage, and the id of the event it tells."""

    time: int
    what: str
    stage: Stage
    event: str

    def to_json(self) -> dict[str, Any]:
        """The step as the API and the report give it (JSON-ready, time in ISO 8601 UTC)."""
        return {"time": iso(self.time), "what": self.what, "stage": self.stage, "event": self.event}


def shutdown_story(events: Sequence[Event], country: str) -> list[Step]:
    """The steps of ``country``'s shutdown found among ``events``, in time order."""
    mine = [e for e in events if in_country(e, country)]
    national = national_event(mine, country)
    steps = [
        *place_steps(mine),
        *country_service_steps(mine, country),
        *network_steps(events, country),
        *national_steps(national),
        *restored_steps(mine, national),
    ]
    return sorted(steps, key=lambda s: (s.time, s.what))


def in_country(event: Event, country: str) -> bool:
    """Whether the event is about ``country`` itself, one of its regions, or a service seen there."""
    eid = parse_entity(event.entity)
    place = eid.scope if eid.type == "service" else eid
    return place is not None and place.type in ("country", "region") and place.country_code == country


def national_event(events: Sequence[Event], country: str) -> Event | None:
    """The country's first top-level nation-scale event, if detected."""
    entity = f"country:{country}"
    national = [e for e in events if e.scope == "national" and e.parent_event is None and e.entity == entity]
    return min(national, key=lambda e: e.start) if national else None


def _first_of_groups(events: Sequence[Event]) -> list[tuple[Event, list[Event]]]:
    """Events (in start order) grouped with the later ones overlapping them; each group by its first."""
    groups: list[tuple[Event, list[Event]]] = []
    for event in sorted(events, key=lambda e: (e.start, e.entity)):
        group = next((g for g in groups if overlaps(g[0], event, ONGOING_UNTIL)), None)
        if group is None:
            groups.append((event, [event]))
        else:
            group[1].append(event)
    return groups


def place_statement(event: Event) -> str:
    """``WhatsApp and Telegram degraded in Almaty (seen by …)`` from a place's service event's note."""
    note = event.phases[0].note if event.phases else event.entity_name
    statement = note.split(": ", 1)[0]
    seen = note.find(SEEN_BY)
    return statement + (note[seen:] if seen >= 0 else "")


def place_steps(events: Sequence[Event]) -> list[Step]:
    """One step per place and group of overlapping service events seen from it."""
    placed = [e for e in events if e.is_service and e.scope in ("regional", "local")]
    steps: list[Step] = []
    for place in sorted({e.place or "" for e in placed}):
        for first, _ in _first_of_groups([e for e in placed if e.place == place]):
            steps.append(Step(first.start, place_statement(first), "place_services", first.id))
    return steps


def country_service_steps(events: Sequence[Event], country: str) -> list[Step]:
    """Services blocked in the whole country, overlapping ones said together (``Telegram and Signal``)."""
    whole = [
        e for e in events if e.is_service and e.parent_event is None and e.place == f"country:{country}"
    ]
    steps: list[Step] = []
    for first, group in _first_of_groups(whole):
        services = sorted({s for e in group for s in e.services}, key=service_order)
        what = f"{service_list(services)} {_verb({e.kind for e in group})} country-wide"
        steps.append(Step(first.start, what, "country_services", first.id))
    return steps


def _verb(kinds: set[str]) -> str:
    """``blocked`` or ``throttled`` when every event of a group says so, else ``degraded``."""
    if kinds == {"service_blocking"}:
        return "blocked"
    return "throttled" if kinds == {"throttling"} else "degraded"


def network_steps(events: Sequence[Event], country: str) -> list[Step]:
    """The first country event about some network kinds only, naming its networks (from ``events``)."""
    network = [
        e
        for e in events
        if e.scope == "network" and e.parent_event is None and e.entity == f"country:{country}"
    ]
    if not network:
        return []
    first = min(network, key=lambda e: e.start)
    names = {e.entity: e.entity_name for e in events}
    operators = [names.get(c, c) for c in first.children if c.startswith("asn:")] or list(first.children)
    kinds = " and ".join(first.network_kinds) or "some"
    where = f" ({', '.join(operators)})" if operators else ""
    return [Step(first.start, f"{kinds} networks cut in {first.entity_name}{where}", "networks", first.id)]


def national_steps(national: Event | None) -> list[Step]:
    """The nation-scale blackout, if there was one."""
    if national is None:
        return []
    noun = "blackout" if national.kind == "blackout" else "disruption"
    return [Step(national.start, f"nation-scale {noun} in {national.entity_name}", "national", national.id)]


def restored_steps(events: Sequence[Event], national: Event | None) -> list[Step]:
    """Regions of the national event back at least :data:`RESTORED_BEFORE` before the country."""
    if national is None or national.end is None:
        return []
    back_early = [
        e
        for e in events
        if e.parent_event == national.id
        and e.entity.startswith("region:")
        and e.end is not None
        and e.end <= national.end - RESTORED_BEFORE
    ]
    return [
        Step(e.end, f"{e.entity_name} restored while the blackout goes on elsewhere", "restored", e.id)
        for e in back_early
        if e.end is not None
    ]
