"""A loopback replay of IODA API v2 in its own envelope, from a SYNTHETIC Kazakhstan January 2022 timeline.

The numbers here are SYNTHETIC: shaped like the January 2022 shutdown in Kazakhstan (a nation-wide
blackout from 2022-01-05 ~10:30 UTC to 2022-01-11 ~02:15 UTC, active probing and the telescope down
to ~5 % of normal, BGP dropping less) over a diurnal baseline, but not IODA's measurements. The
replay answers ``/v2/signals/raw/{type}/{code}``, ``/v2/datasources/``, ``/v2/outages/events``
and ``/v2/outages/alerts`` as IODA does (API-SHAPES.md §1): the envelope, ``from`` rounded down to
the step, ``null`` gaps, nested values for ``ping-slash24-loss``, 400 with ``error`` set for a
missing or over-long range. It knows ``country/KZ`` and ``asn/29355``; other entities have no series.
"""

from __future__ import annotations

import math
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BLACKOUT_START: Final = 1_641_378_600
"""SYNTHETIC: 2022-01-05 10:30 UTC, the nation-wide blackout begins."""
BLACKOUT_END: Final = 1_641_867_300
"""SYNTHETIC: 2022-01-11 02:15 UTC, connectivity is back."""
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
BASELINES: Final[dict[str, float]] = {"bgp": 6000.0, "ping-slash24": 2400.0, "merit-nt": 9000.0, "gtr": 4.0e8}
"""SYNTHETIC: normal levels for country/KZ (asn/29355 is a fifth of them)."""
DURING: Final[dict[str, float]] = {"bgp": 0.6, "ping-slash24": 0.05, "merit-nt": 0.05, "gtr": 0.05}
"""SYNTHETIC: the share of normal left during the blackout."""
ENTITIES: Final[dict[tuple[str, str], tuple[str, float]]] = {
    ("country", "KZ"): ("Kazakhstan", 1.0),
    ("asn", "29355"): ("KCELL-AS", 0.2),
}
MAX_RANGE: Final = 100 * 86_400
COPYRIGHT: Final = (
    "This data is Copyright (c) 2021-2025 Georgia Tech Research Corporation. All Rights Reserved."
)


def level(datasource: str, time: int, scale: float = 1.0) -> float | None:
    """The SYNTHETIC value of ``datasource`` at ``time``: a diurnal baseline, the blackout, one gap."""
    if datasource == "ping-slash24" and GAP[0] <= time < GAP[1]:
        return None
    base = BASELINES[datasource] * scale
    if datasource != "bgp":
        base *= 1.0 + 0.2 * math.sin(2 * math.pi * ((time + 6 * 3600) % 86_400) / 86_400)
    if BLACKOUT_START <= time < BLACKOUT_END:
        base *= DURING[datasource]
    return round(base, 1)


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
    name, scale = ENTITIES[entity]
    step = NATIVE_STEPS[datasource]
    first = since - since % step
    times = range(first, until, step)
    values: list[Any]
    if datasource == "ping-slash24-loss":
        values = [[{"probe": "a", "agg_values": {"loss_pct": 0.01}}] for _ in times]
    else:
        values = [level(datasource, t, scale) for t in times]
    return {
        "entityType": entity[0],
        "entityCode": entity[1],
        "entityName": name,
        "entityFqid": f"geo.provider.AS.{entity[1]}" if entity[0] == "country" else entity[1],
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
    return {"code": entity[1], "name": ENTITIES[entity][0], "type": entity[0], "subnames": [], "attrs": {}}


def _outage_entities(request: Request) -> list[tuple[str, str]]:
    """The known entities an outages query names (all of them when it names none)."""
    kind, code = request.query_params.get("entityType"), request.query_params.get("entityCode")
    return [e for e in ENTITIES if (kind is None or e[0] == kind) and (code is None or e[1] == code)]


def _page(request: Request, records: list[Any]) -> list[Any]:
    """IODA's 0-based ``limit``/``page`` slice."""
    limit = int(request.query_params.get("limit", 500))
    page = int(request.query_params.get("page", 0))
    return records[limit * page : limit * (page + 1)]


async def events(request: Request) -> Response:
    """``/outages/events`` (codf): one event per datasource over the blackout, scored drop% × minutes."""
    span = _range(request, "outages.events")
    if isinstance(span, Response):
        return span
    since, until = span
    records = []
    if until > BLACKOUT_START and since - 1_209_600 < BLACKOUT_END:
        for entity in _outage_entities(request):
            for datasource in ("bgp", "ping-slash24", "merit-nt"):
                minutes = (BLACKOUT_END - BLACKOUT_START) / 60
                records.append(
                    {
                        "location": f"{entity[0]}/{entity[1]}",
                        "start": BLACKOUT_START,
                        "duration": BLACKOUT_END - BLACKOUT_START,
                        "uncertainty": None,
                        "method": "median",
                        "datasource": datasource,
                        "status": 0,
                        "fraction": None,
                        "score": round((1 - DURING[datasource]) * 100 * minutes, 1),
                        "location_name": ENTITIES[entity][0],
                        "overlaps_window": until < BLACKOUT_END,
                    }
                )
    return envelope("outages.events", dict(request.query_params), _page(request, records))


async def alerts(request: Request) -> Response:
    """``/outages/alerts``: a critical alert at the blackout's start, a normal one at its end."""
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
        for datasource in ("bgp", "ping-slash24")
        for time, alert_level in ((BLACKOUT_START, "critical"), (BLACKOUT_END, "normal"))
        if since <= time < until
    ]
    return envelope("outages.alerts", dict(request.query_params), _page(request, records))


def ioda_app() -> Starlette:
    """The replay as a Starlette app, IODA's routes under ``/v2``."""
    return Starlette(
        routes=[
            Route("/v2/signals/raw/{type}/{code}", signals),
            Route("/v2/datasources/", datasources),
            Route("/v2/outages/events", events),
            Route("/v2/outages/alerts", alerts),
        ]
    )
