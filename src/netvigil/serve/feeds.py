"""The Atom feed of events (RFC 4287): one entry per event, updated as the event moves on."""

from __future__ import annotations

import time
from typing import Annotated
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Query
from fastapi.responses import Response

from netvigil.model.events import EVENT_KINDS, SCOPES, Event, EventKind, Scope, iso, national_aside
from netvigil.pipeline.event_query import event_filter
from netvigil.serve.deps import SettingsDep, StoreDep

ATOM = "http://www.w3.org/2005/Atom"
router = APIRouter()


def event_title(event: Event) -> str:
    """A one-line headline, e.g. "Blackout in Kazakhstan (national): 3.0 % of ordinary, ongoing"."""
    state = "ongoing" if event.ongoing else f"ended {iso(event.end)}"
    kind = event.kind.replace("_", " ").capitalize()
    level = f"{event.level:.1f} % of ordinary{national_aside(event)}"
    return f"{kind} in {event.entity_name} ({event.scope}): {level}, {state}"


def updated_at(event: Event) -> int:
    """When the event last changed: its end, else the start of its latest phase, else its start."""
    if event.end is not None:
        return event.end
    return max([event.start, *(p.start for p in event.phases)])


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    node.text = text
    return node


def _entry(feed: ET.Element, event: Event, base: str) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", f"urn:netvigil:event:{event.id}")
    _text(entry, "title", event_title(event))
    _text(entry, "updated", iso(updated_at(event)) or "")
    _text(entry, "published", iso(event.start) or "")
    ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": f"{base}/event/{event.id}"})
    ET.SubElement(entry, f"{{{ATOM}}}category", {"term": event.kind})
    ET.SubElement(entry, f"{{{ATOM}}}category", {"term": event.scope})
    phases = "; ".join(f"{iso(p.start)} {p.level:.1f} % {p.note}" for p in event.phases)
    summary = (
        f"{event_title(event)}. Started {iso(event.start)}. Signals: {', '.join(event.signals)}. "
        f"Confidence {event.confidence:.2f}." + (f" Phases: {phases}." if phases else "")
    )
    _text(entry, "summary", summary)


def atom_feed(events: list[Event], base: str, self_url: str) -> bytes:
    """The events as an Atom document."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", f"{base}/feeds/events.atom")
    _text(feed, "title", "netvigil: internet disruptions")
    newest = max((updated_at(e) for e in events), default=int(time.time()))
    _text(feed, "updated", iso(newest) or "")
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": f"{base}/"})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "netvigil")
    for event in sorted(events, key=updated_at, reverse=True):
        _entry(feed, event, base)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


@router.get("/feeds/events.atom", summary="Atom feed of events", response_class=Response)
def events_feed(
    store: StoreDep,
    settings: SettingsDep,
    entity: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[EventKind] | None, Query()] = None,
    scope: Annotated[list[Scope] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """The newest events (filtered like ``/api/v1/events``) as Atom."""
    where = event_filter(entities=entity, kinds=kind or EVENT_KINDS, scopes=scope or SCOPES, limit=limit)
    base = settings.text("public_url").rstrip("/")
    body = atom_feed(store.read_events(where), base, f"{base}/feeds/events.atom")
    return Response(body, media_type="application/atom+xml; charset=utf-8")
