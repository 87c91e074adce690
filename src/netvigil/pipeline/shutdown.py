"""A country's shutdown in order, read from the stored events: what the report and the dashboard show.

The steps themselves are :func:`netvigil.detect.story.shutdown_story`'s (services degraded in
cities, services blocked country-wide, the cut of some networks, the national blackout, regions
restored first); this module only reads the events they come from.
"""

from __future__ import annotations

from typing import Final

from netvigil.detect.story import Step, shutdown_story
from netvigil.model.events import Event, EventFilter
from netvigil.store.protocol import EventStore

LEAD_SECONDS: Final = 7 * 86_400
"""How long before an event its story may begin: the Kazakh cities' services went two days before."""


def stored_story(store: EventStore, country: str, since: int, until: int | None) -> list[Step]:
    """The steps of ``country``'s shutdown that happened in ``[since, until)``, from the stored events.

    ``until`` None reads to the newest event. A step from before ``since`` (a service blocked for
    years) is not part of this shutdown's story and is left out.
    """
    steps = shutdown_story(store.read_events(EventFilter(since=since, until=until)), country)
    return [s for s in steps if since <= s.time and (until is None or s.time < until)]


def story_of_event(store: EventStore, event: Event, country: str) -> list[Step]:
    """The steps of the shutdown ``event`` belongs to: from a week before it began to its end."""
    until = None if event.end is None else event.end + 1
    return stored_story(store, country, event.start - LEAD_SECONDS, until)
