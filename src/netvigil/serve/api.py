"""The HTTP API under ``/api/v1``.

Entities, signals, events, summary, country overview, alerts, measurements. Every list and
series also comes as CSV (``format=csv``); errors have one shape.
"""

from __future__ import annotations

import csv
import io
import secrets
import time
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from netvigil.model.alerts import AlertRule
from netvigil.model.entities import parse_entity
from netvigil.model.errors import ApiError, EntityParseError, UnknownEntityError
from netvigil.model.events import EVENT_KINDS, SCOPES, EventFilter, EventKind, Scope, iso
from netvigil.pipeline.measurements import search_measurements, submit_measurements
from netvigil.serve import views
from netvigil.serve.deps import (
    AdminToken,
    RegistryDep,
    SettingsDep,
    StoreDep,
    SubmitToken,
    WindowDep,
    entity_key,
    parse_time,
    resolve_window,
)

router = APIRouter(prefix="/api/v1")
Format = Literal["json", "csv"]
FormatQuery = Annotated[Format, Query(description="json (default) or csv")]
EVENT_CSV = [
    "id",
    "entity",
    "entity_name",
    "kind",
    "scope",
    "start",
    "end",
    "ongoing",
    "level",
    "signals",
    "confidence",
]


def csv_response(header: list[str], rows: Iterable[list[Any]], name: str) -> Response:
    """Rows as a CSV download."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    disposition = f'attachment; filename="{name}.csv"'
    return Response(
        out.getvalue(), media_type="text/csv; charset=utf-8", headers={"content-disposition": disposition}
    )


def _events_csv(events: list[dict[str, Any]], name: str) -> Response:
    rows = ([e[c] if c != "signals" else " ".join(e[c]) for c in EVENT_CSV] for e in events)
    return csv_response(EVENT_CSV, rows, name)


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
def get_entity(entity: str, registry: RegistryDep) -> dict[str, Any]:
    """Name, type, parent and children of an entity."""
    key = _known(registry, entity)
    body = views.entity_json(registry, key)
    body["children"] = [views.entity_json(registry, c.key) for c in registry.children(key)]
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
    """Each signal in the window in at most ``max_points`` bins (mean; ``lows`` has the minimum)."""
    key = entity_key(entity)
    view = resolve_window(store, settings, window)
    payload = views.series(store, key, signal, view, mode, settings.integer("baseline_days"))
    if format == "csv":
        return csv_response(["time", "entity", "signal", "value"], views.series_csv_rows(payload), "signals")
    return {"entity": key, "since": iso(view.since), "until": iso(view.until), "series": payload}


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
    """Stored events matching every given filter (contract 3.3 objects)."""
    where = EventFilter(
        entities=[entity_key(e) for e in entity] if entity else None,
        kinds=kind,
        scopes=scope,
        since=parse_time(since, "from"),
        until=parse_time(until, "until"),
        ongoing=ongoing,
        top_level_only=top_level,
        limit=min(limit, settings.integer("page_limit")),
    )
    found = [views.event_json(e) for e in store.read_events(where)]
    if format == "csv":
        return _events_csv(found, "events")
    return {"events": found, "kinds": list(EVENT_KINDS), "scopes": list(SCOPES)}


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
        return _events_csv(now, "disrupted")
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
    body = views.country_overview(store, registry, key.split(":")[1], view, settings.integer("baseline_days"))
    if format == "csv":
        header = ["table", "entity", "name", "kind", "latest_percent", "lowest_percent", "events"]
        return csv_response(header, views.overview_csv_rows(body), f"overview-{country.upper()}")
    return body


class AlertRuleIn(BaseModel):
    """A new alert rule; unset filters match everything."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    channel: Literal["webhook", "email"]
    target: str = Field(min_length=3, max_length=500, description="https URL or e-mail address")
    entity: str | None = Field(default=None, max_length=100)
    scope: Scope | None = None
    kind: EventKind | None = None
    max_level: float | None = Field(
        default=None, ge=0, le=100, description="Only events at or below this level"
    )
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    since: str | None = Field(default=None, description="Ignore events that ended before this time")


def _check_target(rule: AlertRuleIn) -> None:
    if rule.channel == "webhook" and not rule.target.startswith(("http://", "https://")):
        raise ApiError(422, "a webhook target must be an http:// or https:// URL")
    if rule.channel == "email" and ("@" not in rule.target or " " in rule.target):
        raise ApiError(422, "an email target must be an e-mail address")


@router.post("/alerts/rules", status_code=201, summary="Add an alert rule (admin)")
def add_alert_rule(rule: AlertRuleIn, store: StoreDep, _: AdminToken) -> dict[str, Any]:
    """Store a rule; a webhook rule gets a signing secret (returned once) unless one is given."""
    _check_target(rule)
    entity = None
    if rule.entity is not None:
        try:
            entity = str(parse_entity(rule.entity))
        except EntityParseError as exc:
            raise ApiError(422, f"entity: {exc}") from None
    secret = rule.secret or (secrets.token_urlsafe(24) if rule.channel == "webhook" else None)
    stored = AlertRule(
        id=secrets.token_hex(6),
        name=rule.name,
        channel=rule.channel,
        target=rule.target,
        entity=entity,
        scope=rule.scope,
        kind=rule.kind,
        max_level=rule.max_level,
        secret=secret,
        since=parse_time(rule.since, "since"),
        created_at=int(time.time()),
    )
    store.alerts.add_rule(stored)
    return {**_rule_json(stored), "secret": secret}


def _rule_json(rule: AlertRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "channel": rule.channel,
        "target": rule.target,
        "entity": rule.entity,
        "scope": rule.scope,
        "kind": rule.kind,
        "max_level": rule.max_level,
        "since": iso(rule.since),
        "created_at": iso(rule.created_at),
    }


@router.get("/alerts", summary="Alert rules and recent deliveries (admin)")
def list_alerts(
    store: StoreDep,
    _: AdminToken,
    status: Annotated[
        Literal["pending", "sent", "dead"] | None, Query(description="dead = dead letters")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: FormatQuery = "json",
) -> Any:
    """Rules, and deliveries (optionally one status: ``dead`` is the dead-letter list)."""
    found = store.alerts.list_deliveries(status=status, limit=limit)
    rows = [
        {
            "rule_id": d.rule_id,
            "event_id": d.event_id,
            "transition": d.transition,
            "status": d.status,
            "attempts": d.attempts,
            "sent_at": iso(d.sent_at),
            "last_error": d.last_error,
        }
        for d in found
    ]
    if format == "csv":
        header = list(rows[0]) if rows else ["rule_id", "event_id", "transition", "status"]
        return csv_response(header, ([r[h] for h in header] for r in rows), "deliveries")
    return {"rules": [_rule_json(r) for r in store.alerts.list_rules()], "deliveries": rows}


@router.delete("/alerts/rules/{rule_id}", summary="Remove an alert rule (admin)")
def delete_alert_rule(rule_id: str, store: StoreDep, _: AdminToken) -> dict[str, Any]:
    """Remove a rule and its pending messages."""
    if not store.alerts.delete_rule(rule_id):
        raise ApiError(404, f"no alert rule {rule_id!r}")
    return {"deleted": rule_id}


Submission = Annotated[
    list[dict[str, Any]] | dict[str, Any],
    Body(description='One OONI-format measurement, a list of them, or {"measurements": [...]}'),
]


@router.post("/measurements", summary="Submit measurements (token with scope submit)")
def post_measurements(body: Submission, store: StoreDep, _: SubmitToken) -> JSONResponse:
    """Store new OONI-format measurements; a bad item is rejected alone and reported."""
    items: Any = body
    if isinstance(body, dict):
        items = body.get("measurements", [body]) if set(body) == {"measurements"} else [body]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ApiError(422, "expected measurement objects")
    if len(items) > 1000:
        raise ApiError(413, "at most 1000 measurements per request")
    result = submit_measurements(store, items, int(time.time()), source="api")
    status = 422 if result.accepted == 0 and result.rejected and not result.duplicates else 200
    if status == 422:
        reasons = [{"index": e.index, "reason": e.reason} for e in result.errors]
        raise ApiError(422, "no measurement was valid; nothing was stored", reasons)
    return JSONResponse(result.to_json(), status_code=status)


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
) -> Any:
    """Stored measurements matching the filters (OONI API field names)."""
    found = search_measurements(
        store,
        probe_cc=probe_cc,
        probe_asn=probe_asn,
        test_name=test_name,
        since=parse_time(since, "from"),
        until=parse_time(until, "until"),
        limit=limit,
    )
    if format == "csv":
        header = [
            "measurement_uid",
            "test_name",
            "probe_cc",
            "probe_asn",
            "input",
            "measurement_start_time",
            "verdict",
            "blocking_type",
            "failure_string",
        ]
        return csv_response(header, ([m.get(h) for h in header] for m in found), "measurements")
    return {"results": found}
