"""Which vantage points saw a regional service event: named from the stored measurements.

A regional service event (``service:whatsapp@region:KZ-75``) comes from measurements placed in that
region. The probes that made the failing ones are told apart by network; each is named by its
``x_netvigil_vantage`` annotation when the stored body has one (else by its network alone), and
the names are added to the event's first phase note ("seen by almaty-kcell (AS29355), …"), so the
report and the API show who saw it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from netvigil.model.events import Event
from netvigil.model.measurements import MeasurementQuery, MeasurementRow, vantage_of
from netvigil.pipeline.reachability import SERVICE_OF_TEST
from netvigil.store.protocol import Store

SAMPLE: Final = 500
"""Measurements read per test and event to find its vantage points (newest first)."""


def tests_of(service: str) -> list[str]:
    """OONI's tests whose reachability speaks of ``service``."""
    return sorted(t for t, s in SERVICE_OF_TEST.items() if s == service)


def _label(store: Store, row: MeasurementRow) -> str:
    full = store.measurements.get(row.id)
    body = json.loads(full.body) if full is not None and full.body else {}
    name = vantage_of(body.get("annotations") if isinstance(body, dict) else None).name
    return f"{name} ({row.probe_asn})" if name else row.probe_asn


def vantage_points(store: Store, event: Event) -> list[str]:
    """The probes whose failing measurements in the event's region and time made it, named."""
    place = event.place or ""
    if not place.startswith("region:"):
        return []
    service = event.entity.partition("@")[0].removeprefix("service:")
    until = event.end if event.end is not None else event.start + 86_400
    first: dict[str, MeasurementRow] = {}
    for test in tests_of(service):
        query = MeasurementQuery(
            test_name=test, since=event.start, until=until, limit=SAMPLE, probe_region=place[len("region:") :]
        )
        for row in store.measurements.search(query):
            if row.verdict in ("anomaly", "confirmed"):
                first.setdefault(row.probe_asn, row)
    return sorted(_label(store, row) for row in first.values())


def with_vantage_points(store: Store, events: Sequence[Event]) -> list[Event]:
    """The events, each regional service event's first phase note naming the probes that saw it."""
    return [_named(event, vantage_points(store, event) if event.is_service else []) for event in events]


def _named(event: Event, seen: list[str]) -> Event:
    if not seen or not event.phases:
        return event
    first = event.phases[0]
    note = f"{first.note} (seen by {', '.join(seen)})"
    return replace(event, phases=(replace(first, note=note), *event.phases[1:]))
