"""The report's "shutdown in order" section: the steps of the country's shutdown around the event.

A national blackout is the end of a story that began elsewhere (in Kazakhstan: WhatsApp and
Telegram degraded in Almaty, then the mobile cut); this section tells those steps, each in UTC
and the country's local time, from the stored events
(:func:`netvigil.pipeline.shutdown.story_of_event`). It is left out when there is no story to
tell beyond the event itself (fewer than two steps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from netvigil.model.events import Event
from netvigil.pipeline.shutdown import story_of_event
from netvigil.report.cost import country_of
from netvigil.report.zones import local_text, utc_text, zone_for
from netvigil.store.protocol import EventStore

HEAD: Final = ["when (UTC)", "when (local)", "what"]


@dataclass(frozen=True, slots=True)
class ShutdownRow:
    """One step of the shutdown: when in UTC and local time, and what happened."""

    utc: str
    local: str
    what: str


def shutdown_rows(store: EventStore, event: Event) -> tuple[ShutdownRow, ...]:
    """The steps of the shutdown ``event`` belongs to, as rows; none for an event of no country."""
    country = country_of(event.entity)
    if country is None:
        return ()
    zone = zone_for(country)
    steps = story_of_event(store, event, country)
    return tuple(ShutdownRow(utc_text(s.time), local_text(s.time, zone), s.what) for s in steps)


def shutdown_sections(rows: tuple[ShutdownRow, ...]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The section as the renderers' (title, head, rows), or nothing when fewer than two steps."""
    if len(rows) < 2:
        return []
    return [("The shutdown in order", list(HEAD), [[r.utc, r.local, r.what] for r in rows])]
