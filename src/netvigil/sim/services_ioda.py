"""A loopback replay of IODA API v2 in its own envelope, from the SYNTHETIC Kazakhstan January 2022 timeline.

The numbers here are SYNTHETIC: each series is the entity's ordinary level, with a daily swing,
times the share of it the replay's timeline (:mod:`netvigil.sim.kazakhstan`) leaves at that moment:
routing for ``bgp``, connectivity for the others. So IODA's replay shows the same incident as the
demo's own signals: the mobile cut on Kcell and Tele2 on 4 January, the national blackout from
5 January ~10:35 UTC, Almaty back on 10 January before the rest of the country on 11 January.
The replay answers ``/v2/entities/query``, ``/v2/signals/raw/{type}/{code}``,
``/v2/datasources/``, ``/v2/outages/events`` and ``/v2/outages/alerts`` as IODA does
(API-SHAPES.md §1): the envelope, ``from`` rounded down to the step, ``null`` gaps, nested values
for ``ping-slash24-loss``, 400 with ``error`` set for a missing or over-long range. It knows
``country/KZ``, the four operators' ASes and three regions under IODA-style numeric region codes
(the codes are made up; IODA's are its geolocation provider's ids).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Final

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from netvigil.sim import kazakhstan
from netvigil.sim.scenarios.timeline import ScenarioTimeline

BLACKOUT_START: Final = kazakhstan.BLACKOUT_START
"""SYNTHETIC: 2022-01-05 10:35 UTC, the nation-wide blackout begins."""
BLACKOUT_END: Final = kazakhstan.RESTORED
"""SYNTHETIC: 2022-01-11 02:15 UTC, connectivity is back everywhere."""
GAP: Final = (1_641_168_000, 1_641_169_800)
"""SYNTHETIC: 2022-01-03 00:00–00:30 UTC, ping-slash24 has no data (``null``)."""
NATIVE_STEPS: Final[dict[str, int]] = {
    "bgp": 300,
    "ping-slash24": 600,
    "ping-slash24-loss": 600,
    "merit-nt": 300,
    "gtr": 1800,
}
NAMES: Final[dict[str, tuple[str, str]]] = {
    "bgp": ("BGP", "Visible /24s"),
    "ping-slash24": ("Active Probing", "Up /24s"),
    "ping-slash24-loss": ("Active Probing Loss", "Percentage of Probes Lost"),
    "merit-nt": ("Merit Network Telescope", "Unique Source IPs"),
    "gtr": ("Google Transparency Report", "Traffic"),
}
PER_TRAFFIC_UNIT: Final[dict[str, float]] = {"merit-nt": 9.0, "gtr": 4.0e5}
"""SYNTHETIC: telescope sources and Google traffic per unit of the replay's traffic volume."""
REGION_CODES: Final[dict[str, str]] = {"KZ-75": "4334", "KZ-71": "4335", "KZ-47": "4336"}
"""SYNTHETIC: the replay's IODA region codes for the regions the timeline models."""
REGION_NAMES: Final[dict[str, str]] = {"KZ-75": "Almaty City", "KZ-71": "Astana", "KZ-47": "Mangghystau"}
"""How the replay names the regions (IODA's provider spells them its own way)."""
EPISODE_LEVEL: Final = 0.5
"""An IODA event is where the replay's connectivity stays below this share of ordinary…"""
EPISODE_JOIN: Final = 2 * 3600
"""…joining drops less than this many seconds apart."""
MAX_RANGE: Final = 100 * 86_400
COPYRIGHT: Final = (
    "This data is Copyright (c) 2021-2025 Georgia Tech Research Corporation. All Rights Reserved."
)


def _entities() -> dict[tuple[str, str], tuple[str, str]]:
    """IODA (type, code) → (name, the timeline's entity)."""
    found: dict[tuple[str, str], tuple[str, str]] = {("country", "KZ"): ("Kazakhstan", "country:KZ")}
    for op in kazakhstan.OPERATORS:
        found["asn", str(op.asn)] = (op.name.upper(), op.entity)
    for region in kazakhstan.REGIONS:
        found["region", REGION_CODES[region.code]] = (REGION_NAMES[region.code], region.entity)
    return found


ENTITIES: Final = _entities()


@functools.cache
def _timeline() -> ScenarioTimeline:
    return kazakhstan.timeline()


def _base(datasource: str, entity: str) -> float:
    """The entity's ordinary level of ``datasource``, from the replay's sizes."""
    blocks, routed, volume = kazakhstan.SIZES[entity]
    if datasource == "bgp":
        return float(routed or blocks)
    if datasource == "ping-slash24":
        return 0.4 * blocks
    return volume * PER_TRAFFIC_UNIT[datasource]


def daily_swing(time: int) -> float:
    """SYNTHETIC: ±20 % over the day, highest in Kazakhstan's evening (UTC+6)."""
    return 1.0 + 0.2 * math.sin(2 * math.pi * ((time + 6 * 3600) % 86_400) / 86_400)


def levels(datasource: str, entity: str, times: np.ndarray) -> list[float | None]:
    """The SYNTHETIC values of ``datasource`` for a timeline entity at ``times`` (``None``: a gap)."""
    factors = _timeline().factors(entity, times, routing=datasource == "bgp")
    base = _base(datasource, entity)
    values: list[float | None] = []
    for time, factor in zip(times.tolist(), factors.tolist(), strict=True):
        if datasource == "ping-slash24" and GAP[0] <= time < GAP[1]:
            values.append(None)
            continue
        swing = 1.0 if datasource == "bgp" else daily_swing(time)
        values.append(round(base * swing * factor, 1))
    return values


def level(datasource: str, time: int, entity: str = "country:KZ") -> float | None:
    """One SYNTHETIC value (see :func:`levels`)."""
    return levels(datasource, entity, np.array([time], dtype=np.int64))[0]


@functools.cache
def episodes(entity: str) -> tuple[tuple[int, int], ...]:
    """The replay's outages of ``entity``: connectivity below :data:`EPISODE_LEVEL`, close drops joined."""
    timeline = _timeline()
    grid = np.arange(timeline.start, timeline.end, timeline.step, dtype=np.int64)
    low = (timeline.factors(entity, grid) < EPISODE_LEVEL).tolist()
    found: list[list[int]] = []
    for time, down in zip(grid.tolist(), low, strict=True):
        if not down:
            continue
        if found and time - found[-1][1] < EPISODE_JOIN:
            found[-1][1] = time + timeline.step
        else:
            found.append([time, time + timeline.step])
    return tuple((start, end) for start, end in found)


def envelope(
    kind: str, params: dict[str, Any], data: Any, error: str | None = None, status: int = 200
) -> Response:
    """IODA's envelope: ``data`` is nulled when ``error`` is set."""
    body = {
        "type": kind,
        "metadata": {"requestTime": "2022-01-12T00:00:00+00:00", "responseTime": "2022-01-12T00:00:01+00:00"},
        "requestParameters": params,
        "error": error,
        "perf": None,
        "data": None if error else data,
        "copyright": COPYRIGHT,
    }
    return JSONResponse(body, status_code=status)


def _range(request: Request, kind: str) -> tuple[int, int] | Response:
    """``from`` and ``until`` as IODA checks them, or its 400 answer."""
    query = request.query_params
    for name in ("from", "until"):
        if not query.get(name, "").isdigit():
            return envelope(kind, dict(query), None, f"Missing required request parameter '{name}'", 400)
    since, until = int(query["from"]), int(query["until"])
    if since >= until:
        return envelope(kind, dict(query), None, f"from ({since}) must be earlier than until ({until})", 400)
    if kind == "signals" and until - since >= MAX_RANGE:
        too_long = "Time range for a single query must be less than 100 days"
        return envelope(kind, dict(query), None, too_long, 400)
    return since, until


def _series(entity: tuple[str, str], datasource: str, since: int, until: int) -> dict[str, Any]:
    """One series as IODA's TimeSeriesNormalizer writes it (``from`` rounded down to the step)."""
    name, ours = ENTITIES[entity]
    step = NATIVE_STEPS[datasource]
    first = since - since % step
    times = np.arange(first, until, step, dtype=np.int64)
    values: list[Any]
    if datasource == "ping-slash24-loss":
        values = [[{"probe": "a", "agg_values": {"loss_pct": 0.01}}] for _ in times]
    else:
        values = levels(datasource, ours, times)
    return {
        "entityType": entity[0],
        "entityCode": entity[1],
        "entityName": name,
        "entityFqid": f"geo.provider.AS.{entity[1]}" if entity[0] != "asn" else entity[1],
        "datasource": datasource,
        "subtype": "WEB_SEARCH" if datasource == "gtr" else "",
        "from": first,
        "until": first + len(values) * step,
        "step": step,
        "nativeStep": step,
        "values": values,
    }


async def signals(request: Request) -> Response:
    """``/signals/raw/{entityType}/{entityCode}``: one series per datasource asked for."""
    span = _range(request, "signals")
    if isinstance(span, Response):
        return span
    entity = (request.path_params["type"], request.path_params["code"])
    wanted = request.query_params.get("datasource")
    if wanted is not None and wanted not in NATIVE_STEPS:
        known = ", ".join(NATIVE_STEPS)
        invalid = f"invalid datasource {wanted} (must be one of the following [{known}])"
        return envelope("signals", dict(request.query_params), None, invalid, 400)
    names = [wanted] if wanted else list(NATIVE_STEPS)
    series = [_series(entity, name, *span) for name in names] if entity in ENTITIES else []
    return envelope("signals", dict(request.query_params), [series])


async def datasources(request: Request) -> Response:
    """``/datasources/``: name and units only (IODA does not publish native steps)."""
    data = [{"datasource": key, "name": name, "units": units} for key, (name, units) in NAMES.items()]
    return envelope("datasources", {}, data)


def _entity_object(entity: tuple[str, str]) -> dict[str, Any]:
    """An entity as IODA's MetadataEntityNormalizer writes it; regions name their country."""
    attrs = {"fqid": f"geo.provider.AS.KZ.{entity[1]}", "country_code": "KZ", "country_name": "Kazakhstan"}
    return {
        "code": entity[1],
        "name": ENTITIES[entity][0],
        "type": entity[0],
        "subnames": [],
        "attrs": attrs if entity[0] == "region" else {},
    }


async def entities_query(request: Request) -> Response:
    """``/entities/query``: by ``entityType``, ``entityCode``, ``relatedTo`` and ``search``, paged."""
    query = request.query_params
    kind, codes, related = query.get("entityType"), query.get("entityCode"), query.get("relatedTo")
    search = (query.get("search") or "").lower()
    found = [
        e
        for e in ENTITIES
        if (kind is None or e[0] == kind)
        and (codes is None or e[1] in codes.split(","))
        and (related is None or related == "country/KZ")
        and search in ENTITIES[e][0].lower()
    ]
    return envelope("entities.lookup", dict(query), _page(request, [_entity_object(e) for e in found]))


def _outage_entities(request: Request) -> list[tuple[str, str]]:
    """The known entities an outages query names (all of them when it names none)."""
    kind, code = request.query_params.get("entityType"), request.query_params.get("entityCode")
    return [e for e in ENTITIES if (kind is None or e[0] == kind) and (code is None or e[1] == code)]


def _page(request: Request, records: list[Any]) -> list[Any]:
    """IODA's 0-based ``limit``/``page`` slice."""
    limit = int(request.query_params.get("limit", 2000))
    page = int(request.query_params.get("page", 0))
    return records[limit * page : limit * (page + 1)]


def _codf(entity: tuple[str, str], datasource: str, start: int, end: int, until: int) -> dict[str, Any]:
    """One codf event record, scored as IODA does: the drop in % times its minutes."""
    drop = 1.0 - float(np.mean(_timeline().factors(ENTITIES[entity][1], np.arange(start, end, 300))))
    return {
        "location": f"{entity[0]}/{entity[1]}",
        "start": start,
        "duration": end - start,
        "uncertainty": None,
        "method": "median",
        "datasource": datasource,
        "status": 0,
        "fraction": None,
        "score": round(drop * 100 * (end - start) / 60, 1),
        "location_name": ENTITIES[entity][0],
        "overlaps_window": until < end,
    }


async def events(request: Request) -> Response:
    """``/outages/events`` (codf): one event per datasource over each of the replay's outages."""
    span = _range(request, "outages.events")
    if isinstance(span, Response):
        return span
    since, until = span
    records = [
        _codf(entity, datasource, start, end, until)
        for entity in _outage_entities(request)
        for start, end in episodes(ENTITIES[entity][1])
        if start < until and end > since
        for datasource in ("bgp", "ping-slash24", "merit-nt")
    ]
    return envelope("outages.events", dict(request.query_params), _page(request, records))


async def alerts(request: Request) -> Response:
    """``/outages/alerts``: a critical alert where an outage starts, a normal one where it ends."""
    span = _range(request, "outages.alerts")
    if isinstance(span, Response):
        return span
    since, until = span
    records = [
        {
            "datasource": datasource,
            "entity": _entity_object(entity),
            "time": time,
            "level": alert_level,
            "condition": "< 0.99",
            "value": level(datasource, time, ENTITIES[entity][1]),
            "historyValue": level(datasource, since, ENTITIES[entity][1]),
            "method": "median",
        }
        for entity in _outage_entities(request)
        for start, end in episodes(ENTITIES[entity][1])
        for datasource in ("bgp", "ping-slash24")
        for time, alert_level in ((start, "critical"), (end, "normal"))
        if since <= time < until
    ]
    return envelope("outages.alerts", dict(request.query_params), _page(request, records))


def ioda_app() -> Starlette:
    """The replay as a Starlette app, IODA's routes under ``/v2``."""
    return Starlette(
        routes=[
            Route("/v2/entities/query", entities_query),
            Route("/v2/signals/raw/{type}/{code}", signals),
            Route("/v2/datasources/", datasources),
            Route("/v2/outages/events", events),
            Route("/v2/outages/alerts", alerts),
        ]
    )
