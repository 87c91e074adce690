"""A loopback replay of Cloudflare Radar's API in its own envelope, from the SYNTHETIC Kazakhstan timeline.

Everything served here is SYNTHETIC: the traffic is the replay's traffic model
(:func:`netvigil.sim.scenarios.generate.traffic` over :func:`netvigil.sim.kazakhstan.timeline`,
the operators' sizes and the country's daily shape from :mod:`netvigil.sim.kazakhstan`), so the
mobile cut on Kcell and Tele2 (4 January), the national blackout (5 January 10:35 UTC), the
curfew days, Almaty's return and the restoration (11 January 02:15 UTC) show as they do in the
demo; none of it is Cloudflare's measurement. The replay answers, as Radar does (API-SHAPES.md §3):

- ``/client/v4/radar/netflows/timeseries``: position-aligned series (``name``, ``location`` or
  ``asn``, ``dateStart``, ``dateEnd`` repeated), binned to ``aggInterval`` and min0-max
  normalised together (the largest value of the answer is ``"1.000000"``; values are strings);
- ``/client/v4/radar/traffic_anomalies``: a ``LOCATION`` anomaly for the country and an ``AS``
  anomaly per operator for each span the timeline keeps its connectivity below half of ordinary;
- ``/client/v4/radar/annotations/outages``: the nationwide, government-directed shutdown and one
  network outage per operator the timeline cuts alone (the mobile cut);

both event lists paged with ``limit``/``offset``. Every route wants ``Authorization: Bearer
<token>`` and answers 401 with Cloudflare's error envelope without it. It knows ``KZ`` and the
four operators' ASNs; other locations and ASes have empty series and no events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from netvigil.model.events import iso, parse_iso
from netvigil.sim import kazakhstan
from netvigil.sim.scenarios.generate import traffic
from netvigil.sim.scenarios.timeline import Floats, ScenarioTimeline, Times

TOKEN: Final = "replay-radar-token"
"""The token the replay accepts unless the app is built with another."""
AGG_SECONDS: Final[dict[str, tuple[int, str]]] = {
    "15m": (900, "FIFTEEN_MINUTES"),
    "1h": (3600, "ONE_HOUR"),
    "1d": (86_400, "ONE_DAY"),
}
ANOMALY_BELOW: Final = 0.5
"""The replay's stand-in for Radar's detector: an anomaly while connectivity is below half of ordinary."""
COUNTRY_NAME: Final = "Kazakhstan"
NATIONAL_LINK: Final = "https://example.org/synthetic/kz-2022-shutdown"
"""SYNTHETIC: the news link of the national outage annotation (not a real article)."""
UUIDS: Final = uuid.UUID("6f1d6d1e-0000-4000-8000-000000000000")


def envelope(result: Any, status: int = 200, errors: list[dict[str, Any]] | None = None) -> Response:
    """Cloudflare's v4 envelope: ``success`` false with ``errors`` and a null result on failure."""
    failed = bool(errors)
    result = None if failed else result
    body = {"success": not failed, "errors": errors or [], "messages": [], "result": result}
    return JSONResponse(body, status_code=status)


def refusal(status: int, code: int, message: str) -> Response:
    """A Cloudflare error answer (401 for credentials, 400 for a bad query)."""
    return envelope(None, status, [{"code": code, "message": message}])


@dataclass(frozen=True, slots=True)
class Known:
    """An entity the replay serves: its netvigil name, Radar's parameter and code, and its name."""

    entity: str
    param: str
    code: str
    name: str


def _known() -> tuple[Known, ...]:
    country = Known(f"country:{kazakhstan.COUNTRY}", "location", kazakhstan.COUNTRY, COUNTRY_NAME)
    operators = tuple(Known(o.entity, "asn", str(o.asn), o.name.upper()) for o in kazakhstan.OPERATORS)
    return (country, *operators)


def low_spans(timeline: ScenarioTimeline, entity: str) -> list[tuple[int, int]]:
    """The spans where the timeline keeps ``entity`` below :data:`ANOMALY_BELOW` of ordinary."""
    grid = np.arange(timeline.start, timeline.end, timeline.step, dtype=np.int64)
    low = (timeline.factors(entity, grid) < ANOMALY_BELOW).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], low, [0]))))
    ends = [int(grid[b]) if b < len(grid) else timeline.end for b in edges[1::2]]
    return [(int(grid[a]), end) for a, end in zip(edges[::2], ends, strict=True)]


@dataclass
class RadarReplay:
    """The replay's data, computed once: 5-minute traffic per entity, anomalies and annotations."""

    timeline: ScenarioTimeline
    seed: int = 2022
    known: tuple[Known, ...] = field(default_factory=_known)
    times: Times = field(init=False)
    volumes: dict[str, Floats] = field(init=False)
    anomalies: list[dict[str, Any]] = field(init=False)
    annotations: list[dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        tl = self.timeline
        self.times = np.arange(tl.start, tl.end, tl.step, dtype=np.int64)
        self.volumes = {
            k.entity: traffic(
                tl, k.entity, kazakhstan.SIZES[k.entity][2], self.times, kazakhstan.STYLE,
                np.random.default_rng(self.seed + n),
            )
            for n, k in enumerate(self.known)
        }
        self.anomalies = [_anomaly(k, s, e) for k in self.known for s, e in low_spans(tl, k.entity)]
        self.annotations = self._annotations()

    def lookup(self, param: str, code: str) -> Known | None:
        """The known entity Radar's ``location``/``asn`` value names, or None."""
        return next((k for k in self.known if k.param == param and k.code == code.upper()), None)

    def series(self, known: Known | None, start: int, end: int, step: int) -> tuple[list[int], list[float]]:
        """Bins of ``step`` seconds from ``start`` (rounded down) to ``end`` inclusive: their mean traffic."""
        first = start - start % step
        if known is None:
            return [], []
        stamps, means = [], []
        values = self.volumes[known.entity]
        for bin_start in range(first, end + 1, step):
            inside = (self.times >= bin_start) & (self.times < bin_start + step)
            if inside.any():
                stamps.append(bin_start)
                means.append(float(values[inside].mean()))
        return stamps, means

    def _annotations(self) -> list[dict[str, Any]]:
        """The nationwide shutdown, and a network outage per operator impairment deeper than half."""
        country, operators = self.known[0], {k.entity: k for k in self.known[1:]}
        cuts = [
            (operators[imp.target], imp.start, imp.end)
            for imp in kazakhstan.impairments()
            if imp.target in operators and imp.depth < ANOMALY_BELOW
        ]
        national = (None, kazakhstan.BLACKOUT_START, kazakhstan.RESTORED)
        return [
            _annotation(str(number), country, network, start, end)
            for number, (network, start, end) in enumerate([national, *cuts], start=1)
        ]


def _anomaly(known: Known, start: int, end: int) -> dict[str, Any]:
    """One traffic anomaly as Radar writes it (``asnDetails.asn`` a string)."""
    location = {"code": kazakhstan.COUNTRY, "name": COUNTRY_NAME}
    record: dict[str, Any] = {
        "uuid": str(uuid.uuid5(UUIDS, f"{known.entity}/{start}")),
        "type": "LOCATION" if known.param == "location" else "AS",
        "status": "VERIFIED" if known.param == "location" else "UNVERIFIED",
        "startDate": iso(start),
        "endDate": iso(end),
        "visibleInDataSources": ["NETFLOWS", "HTTP"],
    }
    if known.param == "location":
        record["locationDetails"] = location
    else:
        record["asnDetails"] = {"asn": known.code, "name": known.name, "location": location}
    return record


def _annotation(number: str, country: Known, network: Known | None, start: int, end: int) -> dict[str, Any]:
    """One outage annotation as Radar writes it (``asns`` ints, ``asnsDetails[].asn`` strings)."""
    location = {"code": country.code, "name": country.name}
    return {
        "id": number,
        "dataSource": "ALL",
        "eventType": "OUTAGE",
        "startDate": iso(start),
        "endDate": iso(end),
        "locations": [country.code],
        "locationsDetails": [location],
        "asns": [int(network.code)] if network else [],
        "asnsDetails": [{"asn": c.code, "name": c.name, "locations": location} for c in (network,) if c],
        "outage": {
            "outageCause": "GOVERNMENT_DIRECTED",
            "outageType": "NETWORK" if network else "NATIONWIDE",
        },
        "scope": None,
        "description": "SYNTHETIC replay annotation",
        "linkedUrl": None if network else NATIONAL_LINK,
    }


def _authorised(request: Request, token: str) -> bool:
    return request.headers.get("authorization") == f"Bearer {token}"


def _span(request: Request) -> tuple[int, int] | Response:
    """One ``dateStart``/``dateEnd`` pair, or Radar's 400."""
    try:
        return parse_iso(request.query_params["dateStart"]), parse_iso(request.query_params["dateEnd"])
    except (KeyError, ValueError):
        return refusal(400, 10001, "dateStart and dateEnd must be ISO-8601 datetimes")


def _page(request: Request, records: list[dict[str, Any]]) -> list[dict[str, Any]] | Response:
    """Radar's ``limit``/``offset`` slice."""
    try:
        limit = int(request.query_params.get("limit", 5))
        offset = int(request.query_params.get("offset", 0))
    except ValueError:
        return refusal(400, 10001, "limit and offset must be integers")
    return records[offset : offset + limit]


def _overlapping(records: list[dict[str, Any]], since: int, until: int) -> list[dict[str, Any]]:
    return [r for r in records if parse_iso(r["startDate"]) <= until and parse_iso(r["endDate"]) >= since]


def _location_of(anomaly: dict[str, Any]) -> str:
    """The location code of an anomaly: its own, or its AS's."""
    details = anomaly.get("locationDetails") or anomaly["asnDetails"]["location"]
    return str(details["code"])


def _asn_of(anomaly: dict[str, Any]) -> str | None:
    details = anomaly.get("asnDetails")
    return str(details["asn"]) if details else None


class RadarRoutes:
    """The replay's request handlers over one :class:`RadarReplay`, behind the bearer-token check."""

    def __init__(self, replay: RadarReplay, token: str) -> None:
        self.replay = replay
        self.token = token

    async def timeseries(self, request: Request) -> Response:
        """``/radar/netflows/timeseries``: each series binned, all normalised by the answer's peak."""
        if not _authorised(request, self.token):
            return refusal(401, 10000, "Authentication error")
        query = request.query_params
        starts, ends, names = query.getlist("dateStart"), query.getlist("dateEnd"), query.getlist("name")
        param = "location" if query.getlist("location") else "asn"
        codes = query.getlist(param)
        agg = AGG_SECONDS.get(query.get("aggInterval", "1h"))
        if agg is None or not starts or not len(starts) == len(ends) == len(codes):
            return refusal(400, 10001, "dateStart, dateEnd and location/asn must be given once per series")
        found = [
            self.replay.series(self.replay.lookup(param, code), parse_iso(s), parse_iso(e), agg[0])
            for code, s, e in zip(codes, starts, ends, strict=True)
        ]
        peak = max((max(values) for _, values in found if values), default=0.0) or 1.0
        result: dict[str, Any] = {
            (names[n] if n < len(names) else f"serie_{n}"): {
                "timestamps": [iso(t) for t in stamps],
                "values": [f"{v / peak:.6f}" for v in values],
            }
            for n, (stamps, values) in enumerate(found)
        }
        result["meta"] = {
            "aggInterval": agg[1],
            "dateRange": [{"startTime": s, "endTime": e} for s, e in zip(starts, ends, strict=True)],
            "lastUpdated": iso(self.replay.timeline.end),
            "normalization": "MIN0_MAX",
            "units": [{"name": "*", "value": "bytes"}],
            "confidenceInfo": {"level": 5, "annotations": []},
        }
        return envelope(result)

    def _authorised_span(self, request: Request) -> tuple[int, int] | Response:
        """The request's date span, or Radar's 401 (no or wrong token) or 400 (no span)."""
        if not _authorised(request, self.token):
            return refusal(401, 10000, "Authentication error")
        return _span(request)

    async def traffic_anomalies(self, request: Request) -> Response:
        """``/radar/traffic_anomalies``: a location's anomalies include those of its ASes."""
        span = self._authorised_span(request)
        if isinstance(span, Response):
            return span
        location, asn = request.query_params.get("location"), request.query_params.get("asn")
        records = [
            r
            for r in _overlapping(self.replay.anomalies, *span)
            if (location is None or _location_of(r) == location) and (asn is None or _asn_of(r) == asn)
        ]
        page = _page(request, records)
        return page if isinstance(page, Response) else envelope({"trafficAnomalies": page})

    async def outages(self, request: Request) -> Response:
        """``/radar/annotations/outages``: filtered by ``location`` or ``asn`` and the date span."""
        span = self._authorised_span(request)
        if isinstance(span, Response):
            return span
        location, asn = request.query_params.get("location"), request.query_params.get("asn")
        records = [
            r
            for r in _overlapping(self.replay.annotations, *span)
            if (location is None or location in r["locations"])
            and (asn is None or (asn.isdigit() and int(asn) in r["asns"]))
        ]
        page = _page(request, records)
        return page if isinstance(page, Response) else envelope({"annotations": page})


def radar_app(token: str = TOKEN, timeline: ScenarioTimeline | None = None) -> Starlette:
    """The replay as a Starlette app, Radar's routes under ``/client/v4``; ``token`` is the one it accepts."""
    routes = RadarRoutes(RadarReplay(timeline or kazakhstan.timeline()), token)
    return Starlette(
        routes=[
            Route("/client/v4/radar/netflows/timeseries", routes.timeseries),
            Route("/client/v4/radar/traffic_anomalies", routes.traffic_anomalies),
            Route("/client/v4/radar/annotations/outages", routes.outages),
        ]
    )
