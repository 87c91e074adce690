"""What the API and the dashboard show, computed from the store (no HTTP here).

Series come from :meth:`netvigil.store.protocol.RollupStore.series_views` (roll-ups, bounded
points, many series in one query). "% of ordinary" is the detector's own expected value for each
time (:func:`netvigil.detect.baseline.expected_values`, each series scored from its first point):
stored in the roll-ups for bins of half an hour or more (:mod:`netvigil.pipeline.rollups`), computed
the same way on the fly for finer bins, so the chart and the events agree whatever the window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from netvigil.geo.entities import EntityRegistry
from netvigil.geo.zones import country_zones
from netvigil.model.entities import parse_entity
from netvigil.model.events import Event, EventFilter, iso
from netvigil.model.series import SeriesView
from netvigil.pipeline.provenance import synthetic_note
from netvigil.pipeline.rollups import expected_in_bins
from netvigil.store.protocol import Store
from netvigil.store.rollups import FINEST_STEP, view_step

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


def _numbers(values: npt.NDArray[np.float64]) -> list[float | None]:
    """A series' values for JSON: three decimals, a gap (NaN) as None; vectorised for long series."""
    rounded: list[float] = np.round(values, 3).tolist()
    return [None if math.isnan(v) else v for v in rounded]


def percent_views(store: Store, views: list[SeriesView]) -> list[SeriesView]:
    """Views as % of the detector's expected value for each bin (see ``expected_in_bins``)."""
    step = views[0].step if views else 0
    ordinary = expected_in_bins(store, [(v.entity, v.signal, v.times) for v in views], step)
    out: list[SeriesView] = []
    for view, level in zip(views, ordinary, strict=True):
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(replace(view, values=100.0 * view.values / level, lows=100.0 * view.lows / level))
    return out


def _viewed(
    store: Store, entities: list[str], signals: list[str], window: Window, mode: Mode
) -> list[SeriesView]:
    stored = mode == "percent" and view_step(window.since, window.until, window.max_points) >= FINEST_STEP
    found = store.rollups.series_views(
        entities, signals, window.since, window.until, window.max_points, percent=stored
    )
    return percent_views(store, found) if mode == "percent" and not stored else found


def series(
    store: Store,
    entity: str,
    signals: Sequence[str] | None,
    window: Window,
    mode: Mode,
) -> list[dict[str, Any]]:
    """Each requested (or stored) signal of ``entity`` in the window, raw or as % of ordinary."""
    names = list(signals) if signals else store.rollups.signals_of([entity])[entity]
    found = {v.signal: v for v in _viewed(store, [entity], names, window, mode)}
    out: list[dict[str, Any]] = []
    for name in names:
        view = found.get(name)
        out.append(
            {
                "entity": entity,
                "signal": name,
                "mode": mode,
                "step": view.step if view else view_step(window.since, window.until, window.max_points),
                "times": view.times.tolist() if view else [],
                "values": _numbers(view.values) if view else [],
                "lows": _numbers(view.lows) if view else [],
            }
        )
    return out


def series_csv_rows(payload: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    """Series as contract 3.2 rows (time,entity,signal,value), time in ISO 8601 UTC."""
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


def disrupted_at(store: Store, at: int, limit: int) -> list[dict[str, Any]]:
    """Events going on at ``at`` (started, not yet ended), most severe first."""
    found = store.read_events(EventFilter(since=at + 1, until=at + 1))
    ranked = sorted(found, key=lambda e: (-severity(e), e.start, e.entity))
    return [event_json(e) for e in ranked[:limit]]


def _child_rows(
    store: Store, registry: EntityRegistry, keys: list[str], window: Window
) -> list[dict[str, Any]]:
    stored = store.rollups.signals_of(keys)
    names = sorted({name for key in keys for name in stored[key]})
    levels: dict[str, list[float]] = {k: [] for k in keys}
    lows: dict[str, list[float]] = {k: [] for k in keys}
    for view in _viewed(store, keys, names, window, "percent") if names else []:
        finite = ~np.isnan(view.values)
        if finite.any():
            levels[view.entity].append(float(view.values[finite][-1]))
            lows[view.entity].append(float(np.nanmin(view.lows)))
    events = store.read_events(EventFilter(entities=keys, since=window.since, until=window.until))
    rows = []
    for key in keys:
        entity = registry.get(key)
        rows.append(
            {
                "entity": key,
                "name": entity.name,
                "kind": entity.kind,
                "signals": stored[key],
                "latest_percent": _number(min(levels[key])) if levels[key] else None,
                "lowest_percent": _number(min(lows[key])) if lows[key] else None,
                "events": [e.id for e in events if e.entity == key],
            }
        )
    return rows


def country_overview(store: Store, registry: EntityRegistry, country: str, window: Window) -> dict[str, Any]:
    """The country page's tables: networks (mobile vs fixed), regions, and service reachability.

    Each row is read from the daily roll-up: the latest day's level and the lowest daily minimum in
    the window, as % of ordinary (the chart above the tables has the fine detail).
    """
    key = f"country:{country}"
    children = [c.key for c in registry.children(key)]
    asns = [c for c in children if c.startswith("asn:")]
    services = [s for s in store.rollups.stored_entities("service:%@%") if s.split("@", 1)[1] in (key, *asns)]
    daily = Window(window.since, window.until, max(2, (window.until - window.since) // DAY))
    rows = _child_rows(store, registry, [*children, *services], daily)
    regions = [r for r in rows if r["entity"].startswith("region:")]
    return {
        "entity": key,
        "name": registry.name(key),
        "timezone": country_zones().get(country),
        "since": iso(window.since),
        "until": iso(window.until),
        "networks": [r for r in rows if r["entity"].startswith("asn:")],
        "regions": [r for r in regions if r["signals"] or r["events"]],
        "regions_without_data": len([r for r in regions if not (r["signals"] or r["events"])]),
        "services": [r for r in rows if r["entity"].startswith("service:")],
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
    """An entity with its name, type, parent, kind and its dashboard page (None if it has none)."""
    entity = registry.get(key)
    country = parse_entity(key).country_code or (entity.parent.code if entity.parent else None)
    return {
        "entity": entity.key,
        "type": entity.id.type,
        "name": entity.name,
        "parent": str(entity.parent) if entity.parent else None,
        "kind": entity.kind,
        "country": country,
        "page": page_of(key),
        "timezone": country_zones().get(country) if country else None,
    }


def provenance(store: Store, entity: str, window: Window) -> dict[str, Any]:
    """Where an entity's signals in the window come from, and whether the store's data is synthetic.

    What a posted chart must say about its data: each (signal, source) with its count of points,
    and the synthetic note (:mod:`netvigil.pipeline.provenance`) or None for observed data.
    """
    found = store.evidence.series_sources([entity], window.since, window.until)
    return {
        "entity": entity,
        "since": iso(window.since),
        "until": iso(window.until),
        "sources": [{"signal": s.signal, "source": s.source, "points": s.observations} for s in found],
        "synthetic": synthetic_note(store),
    }


_PAGE_OF_TYPE: Final = {"country": "/country/", "region": "/region/", "asn": "/network/"}


def page_of(key: str) -> str | None:
    """The dashboard page of an entity: ``/country/KZ``, ``/region/KZ-75``, ``/network/29355``."""
    kind, _, code = key.partition(":")
    prefix = _PAGE_OF_TYPE.get(kind)
    return f"{prefix}{code}" if prefix else None


MAP_LOOKBACK: Final = 6 * 3600


def map_levels(store: Store, registry: EntityRegistry, at: int) -> list[dict[str, Any]]:
    """Every country and region with stored signals, and its level (% of ordinary) at ``at``.

    The level is the latest bin at or before ``at`` within six hours (the lowest across the
    entity's signals, as the country tables show it), so a map at any moment is shaded from data
    of that moment, not from a day's average; None where there is no data then.
    """
    keys = [*store.rollups.stored_entities("country:%"), *store.rollups.stored_entities("region:%")]
    rows = _child_rows(store, registry, keys, Window(at - MAP_LOOKBACK, at, MAP_LOOKBACK // FINEST_STEP))
    return [
        {
            "entity": r["entity"],
            "name": r["name"],
            "percent": r["latest_percent"],
            "events": len(r["events"]),
            "page": page_of(r["entity"]),
        }
        for r in rows
    ]
