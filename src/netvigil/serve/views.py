"""What the API and the dashboard show, computed from the store (no HTTP here).

Series come from :func:`netvigil.store.serving.series_view` (roll-ups, bounded points); "% of
ordinary" is the detector's own :func:`netvigil.detect.baseline.percent_of_ordinary`, computed over
the view plus ``baseline_days`` of data before it, so the chart and the events agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np

from netvigil.detect.baseline import percent_of_ordinary
from netvigil.geo.entities import EntityRegistry
from netvigil.model.entities import parse_entity
from netvigil.model.events import Event, iso
from netvigil.store.base import EventFilter
from netvigil.store.duckdb_store import DuckDBStore
from netvigil.store.serving import SeriesView, series_view, signals_of, stored_entities

Mode = Literal["raw", "percent"]
DAY: Final = 86_400
_SCOPE_WEIGHT: Final = {"national": 4, "regional": 3, "network": 2, "service": 1}


@dataclass(frozen=True, slots=True)
class Window:
    """The time range a view shows, and how finely."""

    since: int
    until: int
    max_points: int


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 3)


def _percent(store: DuckDBStore, entity: str, signal: str, window: Window, lead_in: int) -> SeriesView:
    span = window.until - window.since
    points = max(1, math.ceil(window.max_points * (span + lead_in) / max(span, 1)))
    view = series_view(store, entity, signal, window.since - lead_in, window.until, points)
    if len(view.times) == 0:
        return view
    with np.errstate(invalid="ignore", divide="ignore"):
        level = percent_of_ordinary(view.times, view.values, view.step)
        lows = np.where(view.values != 0, view.lows * level / view.values, level)
    keep = view.times >= window.since
    return SeriesView(entity, signal, view.step, view.times[keep], level[keep], lows[keep])


def series(
    store: DuckDBStore,
    entity: str,
    signals: Sequence[str] | None,
    window: Window,
    mode: Mode,
    lead_in_days: int,
) -> list[dict[str, Any]]:
    """Each requested (or stored) signal of ``entity`` in the window, raw or as % of ordinary."""
    names = list(signals) if signals else signals_of(store, [entity])[entity]
    out: list[dict[str, Any]] = []
    for name in names:
        if mode == "percent":
            view = _percent(store, entity, name, window, lead_in_days * DAY)
        else:
            view = series_view(store, entity, name, window.since, window.until, window.max_points)
        out.append(
            {
                "entity": entity,
                "signal": name,
                "mode": mode,
                "step": view.step,
                "times": [int(t) for t in view.times],
                "values": [_number(v) for v in view.values],
                "lows": [_number(v) for v in view.lows],
            }
        )
    return out


def series_csv_rows(payload: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    """Series as contract-3.2 rows (time,entity,signal,value), time in ISO 8601 UTC."""
    for item in payload:
        for time, value in zip(item["times"], item["values"], strict=True):
            yield [iso(time), item["entity"], item["signal"], "" if value is None else value]


def severity(event: Event) -> float:
    """A rank for "what is disrupted now": lower level and wider scope are more severe."""
    return _SCOPE_WEIGHT.get(event.scope, 0) * 100 + (100.0 - min(100.0, event.level))


def severity_label(level: float) -> str:
    """Words for a level: severe under 10 % of ordinary, major under 50 %, else minor."""
    if level < 10:
        return "severe"
    return "major" if level < 50 else "minor"


def event_json(event: Event) -> dict[str, Any]:
    """Contract 3.3 plus a severity word and a dashboard link."""
    body = event.to_json()
    body["severity"] = severity_label(event.level)
    body["url"] = f"/event/{event.id}"
    return body


def disrupted_at(store: DuckDBStore, at: int, limit: int) -> list[dict[str, Any]]:
    """Events going on at ``at`` (started, not yet ended), most severe first."""
    found = store.read_events(EventFilter(since=at + 1, until=at + 1))
    ranked = sorted(found, key=lambda e: (-severity(e), e.start, e.entity))
    return [event_json(e) for e in ranked[:limit]]


def _child_row(
    store: DuckDBStore, registry: EntityRegistry, key: str, signals: list[str], window: Window, lead_in: int
) -> dict[str, Any]:
    entity = registry.get(key)
    levels: list[float] = []
    lows: list[float] = []
    for name in signals:
        view = _percent(store, key, name, window, lead_in * DAY)
        finite = view.values[~np.isnan(view.values)]
        if len(finite):
            levels.append(float(finite[-1]))
            lows.append(float(np.nanmin(view.lows)))
    events = store.read_events(EventFilter(entities=[key], since=window.since, until=window.until))
    return {
        "entity": key,
        "name": entity.name,
        "kind": entity.kind,
        "signals": signals,
        "latest_percent": _number(min(levels)) if levels else None,
        "lowest_percent": _number(min(lows)) if lows else None,
        "events": [e.id for e in events],
    }


def country_overview(
    store: DuckDBStore, registry: EntityRegistry, country: str, window: Window, lead_in: int
) -> dict[str, Any]:
    """The country page's tables: networks (mobile vs fixed), regions, and service reachability."""
    key = f"country:{country}"
    children = [c.key for c in registry.children(key)]
    services = stored_entities(store, f"service:%@{key}")
    asns = [c for c in children if c.startswith("asn:")]
    for asn in asns:
        services += stored_entities(store, f"service:%@{asn}")
    stored = signals_of(store, [*children, *services])
    small = Window(window.since, window.until, min(window.max_points, 200))
    networks = [_child_row(store, registry, c, stored[c], small, lead_in) for c in asns]
    regions = [
        _child_row(store, registry, c, stored[c], small, lead_in) for c in children if c.startswith("region:")
    ]
    return {
        "entity": key,
        "name": registry.name(key),
        "since": iso(window.since),
        "until": iso(window.until),
        "networks": networks,
        "regions": [r for r in regions if r["signals"] or r["events"]],
        "regions_without_data": len([r for r in regions if not (r["signals"] or r["events"])]),
        "services": [_child_row(store, registry, s, stored[s], small, lead_in) for s in services],
    }


def overview_csv_rows(overview: dict[str, Any]) -> Iterable[list[Any]]:
    """The overview's tables as one CSV: table,entity,name,kind,latest_percent,lowest_percent,events."""
    for table in ("networks", "regions", "services"):
        for row in overview[table]:
            yield [
                table,
                row["entity"],
                row["name"],
                row["kind"] or "",
                "" if row["latest_percent"] is None else row["latest_percent"],
                "" if row["lowest_percent"] is None else row["lowest_percent"],
                len(row["events"]),
            ]


def entity_json(registry: EntityRegistry, key: str) -> dict[str, Any]:
    """An entity with its name, type, parent and kind."""
    entity = registry.get(key)
    return {
        "entity": entity.key,
        "type": entity.id.type,
        "name": entity.name,
        "parent": str(entity.parent) if entity.parent else None,
        "kind": entity.kind,
        "country": parse_entity(key).country_code or (entity.parent.code if entity.parent else None),
    }
