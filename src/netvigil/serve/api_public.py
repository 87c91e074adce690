"""The public, read-only part of the HTTP API: entities, signals, events, summary, overview, measurements.

No token is needed; every list and series also comes as CSV (``format=csv``).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query

from netvigil.model.errors import ApiError, UnknownEntityError
from netvigil.model.events import EVENT_KINDS, SCOPES, EventFilter, EventKind, Scope, iso
from netvigil.pipeline.analyse import too_little_history_served
from netvigil.pipeline.event_query import event_filter, with_services
from netvigil.pipeline.measurements import search_measurements
from netvigil.pipeline.shutdown import stored_story
from netvigil.serve import views
from netvigil.serve.deps import (
    RegistryDep,
    SettingsDep,
    StoreDep,
    WindowDep,
    entity_key,
    parse_time,
    resolve_window,
)
from netvigil.serve.formats import FormatQuery, csv_response, events_csv

router = APIRouter()


@router.get("/health", summary="Is the service up, and how fresh is its data")
def health(store: StoreDep) -> dict[str, Any]:
    """Liveness and the newest data time."""
    return {"status": "ok", "latest_data": iso(store.rollups.latest_time())}


@router.get("/entities", summary="Search entities by name or code")
def search_entities(
    registry: RegistryDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Part of a name or code")],
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    format: FormatQuery = "json",
) -> Any:
    """Countries, regions and operators whose name or code contains ``q``."""
    found = [views.entity_json(registry, e.key) for e in registry.search(q, limit)]
    if format == "csv":
        header = ["entity", "type", "name", "parent", "kind", "country"]
        return csv_response(header, ([e[h] for h in header] for e in found), "entities")
    return {"entities": found}


def _known(registry: RegistryDep, text: str) -> str:
    key = entity_key(text)
    try:
        registry.get(key)
    except UnknownEntityError as exc:
        raise ApiError(404, str(exc)) from None
    return key


@router.get("/entities/{entity}", summary="One entity with its parent and children")
def get_entity(entity: str, registry: RegistryDep, store: StoreDep) -> dict[str, Any]:
    """Name, type, parent and children of an entity; for a region, the services seen from it."""
    key = _known(registry, entity)
    body = views.entity_json(registry, key)
    body["children"] = [views.entity_json(registry, c.key) for c in registry.children(key)]
    seen_from = with_services(key)[1:]
    if seen_from:
        stored = sorted({s.entity for s in store.list_series(seen_from)})
        body["services"] = [views.entity_json(registry, s) for s in stored]
    return body


@router.get("/entities/{entity}/children", summary="Children of an entity (regions, networks)")
def get_children(entity: str, registry: RegistryDep, format: FormatQuery = "json") -> Any:
    """The regions and operators of a country."""
    key = _known(registry, entity)
    found = [views.entity_json(registry, c.key) for c in registry.children(key)]
    if format == "csv":
        header = ["entity", "type", "name", "parent", "kind", "country"]
        return csv_response(header, ([e[h] for h in header] for e in found), "children")
    return {"entity": key, "children": found}


@router.get("/signals", summary="Series of an entity, raw or as % of ordinary")
def get_signals(
    store: StoreDep,
    settings: SettingsDep,
    window: WindowDep,
    entity: Annotated[str, Query(description="e.g. country:KZ, asn:29355")],
    signal: Annotated[list[str] | None, Query(description="Signal names; default every stored one")] = None,
    mode: Annotated[views.Mode, Query(description="raw values or percent of ordinary")] = "raw",
    format: FormatQuery = "json",
) -> Any:
    """Each signal in the window in at most ``max_points`` bins (mean; ``lows`` has the minimum).

    ``too_little_history`` names the entity's series that cannot be judged yet and from when they can.
    """
    key = entity_key(entity)
    view = resolve_window(store, settings, window)
    payload = views.series(store, key, signal, view, mode)
    if format == "csv":
        return csv_response(["time", "entity", "signal", "value"], views.series_csv_rows(payload), "signals")
    return {
        "entity": key,
        "since": iso(view.since),
        "until": iso(view.until),
        "series": payload,
        "too_little_history": [w.to_json() for w in too_little_history_served(store, [key])],
    }


@router.get("/events", summary="Events, newest first")
def list_events(
    store: StoreDep,
    settings: SettingsDep,
    entity: Annotated[list[str] | None, Query(description="Entities (repeatable)")] = None,
    kind: Annotated[list[EventKind] | None, Query()] = None,
    scope: Annotated[list[Scope] | None, Query()] = None,
    since: Annotated[str | None, Query(alias="from", description="Events still going on at or after")] = None,
    until: Annotated[str | None, Query(description="Events that started before")] = None,
    ongoing: Annotated[bool | None, Query()] = None,
    top_level: Annotated[bool, Query(description="Only events that are not part of a bigger one")] = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    format: FormatQuery = "json",
) -> Any:
    """Stored events matching every given filter (contract 3.3 objects).

    ``too_little_history`` lists the series (of the named entities, or all) that cannot be judged
    yet, each with ``judgeable_from``: no event there means "not known yet", not "all clear".
    """
    where = event_filter(
        entities=entity,
        kinds=kind,
        scopes=scope,
        since=parse_time(since, "from"),
        until=parse_time(until, "until"),
        ongoing=ongoing,
        top_level=top_level,
        limit=min(limit, settings.integer("page_limit")),
    )
    found = [views.event_json(e) for e in store.read_events(where)]
    if format == "csv":
        return events_csv(found, "events")
    waiting = too_little_history_served(store, where.entities)[: where.limit]
    return {
        "events": found,
        "kinds": list(EVENT_KINDS),
        "scopes": list(SCOPES),
        "too_little_history": [w.to_json() for w in waiting],
    }


@router.get("/events/{event_id}", summary="One event")
def get_event(event_id: str, store: StoreDep) -> dict[str, Any]:
    """An event with its phases, and the events that are part of it."""
    event = store.get_event(event_id)
    if event is None:
        raise ApiError(404, f"no event {event_id!r}")
    body = views.event_json(event)
    parts = store.read_events(
        EventFilter(entities=list(event.children) or None, since=event.start, until=event.end)
    )
    body["parts"] = [
        views.event_json(p) for p in parts if p.parent_event == event.id or p.entity in event.children
    ]
    return body


@router.get("/summary", summary="What is disrupted now")
def summary(
    store: StoreDep,
    settings: SettingsDep,
    at: Annotated[str | None, Query(description="The moment; default the store's newest data")] = None,
    format: FormatQuery = "json",
) -> Any:
    """Events going on at ``at``, most severe first, and the latest events."""
    moment = parse_time(at, "at")
    if moment is None:
        newest = store.rollups.latest_time()
        moment = newest if newest is not None else int(time.time())
    limit = settings.integer("page_limit")
    now = views.disrupted_at(store, moment, limit)
    if format == "csv":
        return events_csv(now, "disrupted")
    latest = [views.event_json(e) for e in store.read_events(EventFilter(top_level_only=True, limit=20))]
    return {"at": iso(moment), "disrupted": now, "latest": latest}


@router.get("/countries/{country}/overview", summary="The country page's tables")
def country_overview(
    country: str,
    store: StoreDep,
    settings: SettingsDep,
    registry: RegistryDep,
    window: WindowDep,
    format: FormatQuery = "json",
) -> Any:
    """Networks (mobile vs fixed), regions and service reachability, each as % of ordinary."""
    key = _known(registry, f"country:{country.upper()}")
    view = resolve_window(store, settings, window)
    body = views.country_overview(store, registry, key.split(":")[1], view)
    if format == "csv":
        header = ["table", "entity", "name", "kind", "latest_percent", "lowest_percent", "events"]
        return csv_response(header, views.overview_csv_rows(body), f"overview-{country.upper()}")
    return body


@router.get("/countries/{country}/shutdown", summary="The country's shutdown in order")
def country_shutdown(
    country: str,
    store: StoreDep,
    settings: SettingsDep,
    registry: RegistryDep,
    window: WindowDep,
    format: FormatQuery = "json",
) -> Any:
    """The steps of the country's shutdown among the events in the window, in time order.

    Services degraded in cities, services blocked country-wide, the cut of some networks, the
    national blackout, regions restored first (``netvigil.detect.story``); a step not detected is
    left out. Each step names the event it tells.
    """
    code = _known(registry, f"country:{country.upper()}").split(":")[1]
    view = resolve_window(store, settings, window)
    steps = stored_story(store, code, view.since, view.until)
    if format == "csv":
        rows = ([iso(s.time), s.stage, s.what, s.event] for s in steps)
        return csv_response(["time", "stage", "what", "event"], rows, f"shutdown-{code}")
    steps_json = [s.to_json() for s in steps]
    return {"country": code, "since": iso(view.since), "until": iso(view.until), "steps": steps_json}


@router.get("/measurements", summary="Search measurements, newest first")
def get_measurements(
    store: StoreDep,
    probe_cc: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
    probe_asn: Annotated[str | None, Query(pattern="^(AS|as)?[0-9]{1,10}$")] = None,
    test_name: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(alias="from")] = None,
    until: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: FormatQuery = "json",
    probe_region: Annotated[str | None, Query(pattern="^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")] = None,
) -> Any:
    """Stored measurements matching the filters (OONI API field names; ``probe_region``: vantage points)."""
    found = search_measurements(
        store,
        probe_cc=probe_cc,
        probe_asn=probe_asn,
        test_name=test_name,
        since=parse_time(since, "from"),
        until=parse_time(until, "until"),
        limit=limit,
        probe_region=probe_region,
    )
    if format == "csv":
        header = [
            "measurement_uid",
            "test_name",
            "probe_cc",
            "probe_asn",
            "probe_region",
            "input",
            "measurement_start_time",
            "verdict",
            "blocking_type",
            "failure_string",
        ]
        return csv_response(header, ([m.get(h) for h in header] for m in found), "measurements")
    return {"results": found}
