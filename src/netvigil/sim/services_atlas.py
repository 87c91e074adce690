"""A loopback replay of RIPE Atlas API v2 (probes, connection events) from the SYNTHETIC Kazakhstan timeline.

Everything served here is SYNTHETIC: a few dozen made-up probes (ids from :data:`FIRST_ID`),
spread over the four Kazakh operators of :mod:`netvigil.sim.kazakhstan` in proportion to their
share, plus one abandoned and one never-connected probe. Probe *k* of an operator's *n* stays
connected while the timeline's connectivity of that operator
(:meth:`~netvigil.sim.scenarios.timeline.ScenarioTimeline.factors`) is at least ``0.05 + 0.9 ×
(k + ½) / n``, so the mobile cut takes every Kcell and Tele2 probe down on 4 January, the
national blackout takes every probe at 10:35 UTC on 5 January, a few come back with Almaty and
all with the restoration. The probes stand in turn in Almaty, Astana and Aktau (at the replay's
vantage points' made-up coordinates), so a region's probes are found by position; whether a
probe is up follows its operator, not its city. On ordinary days each probe drops for four
minutes every third day, at its own time of day, so single disconnections happen without
bursts. It answers, as Atlas does (API-SHAPES.md §4):

- ``/api/v2/probes/`` filtered by ``country_code``, ``asn_v4`` or ``asn``, paged with ``page`` and
  ``page_size`` (≤ 500), each page's ``next`` a full ``https://atlas.ripe.net/…`` link;
- ``/api/v2/measurements/7000/results/`` with ``start``, ``stop`` (epoch seconds, inclusive) and
  ``probe_ids``: a plain array of connection events (``prb_id``, ``timestamp``, ``event``, …);

and Atlas's error body for a bad parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import urlencode

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from netvigil.sim import kazakhstan
from netvigil.sim.scenarios.timeline import ScenarioTimeline

PROBES: Final = 36
"""How many connected probes the replay spreads over the operators."""
FIRST_ID: Final = 6100
INSTALLED: Final = 1_546_300_800
"""SYNTHETIC: every replayed probe was first connected on 2019-01-01."""
ABANDONED_SINCE: Final = 1_622_505_600
"""SYNTHETIC: the abandoned probe was last seen on 2021-06-01."""
FLAP_SECONDS: Final = 240
PUBLIC_BASE: Final = "https://atlas.ripe.net/api/v2"
_FIRST_VANTAGE: Final = {v.region: (v.lat, v.lon) for v in reversed(kazakhstan.VANTAGE_POINTS)}
POSITIONS: Final = tuple(_FIRST_VANTAGE[r.code] for r in kazakhstan.REGIONS)
"""Where the probes stand, in turn: (latitude, longitude) of a vantage point in each modelled region."""
MAX_PAGE_SIZE: Final = 500


@dataclass(frozen=True, slots=True)
class ReplayProbe:
    """One synthetic probe: id, operator, its connectivity threshold and its connection events."""

    id: int
    asn: int
    threshold: float
    events: tuple[tuple[int, str], ...]
    status: tuple[int, str] = (1, "Connected")
    status_since: int | None = None
    first_connected: int | None = INSTALLED
    last_connected: int | None = None
    position: tuple[float, float] = POSITIONS[0]

    def row(self) -> dict[str, Any]:
        """The probe as a ``/probes/`` row."""
        return {
            "address_v4": None,
            "address_v6": None,
            "asn_v4": self.asn,
            "asn_v6": None,
            "country_code": kazakhstan.COUNTRY,
            "description": "SYNTHETIC replay probe",
            "firmware_version": 5080,
            "first_connected": self.first_connected,
            "geometry": {"type": "Point", "coordinates": [self.position[1], self.position[0]]},
            "id": self.id,
            "is_anchor": False,
            "is_public": True,
            "last_connected": self.last_connected,
            "prefix_v4": None,
            "prefix_v6": None,
            "status": {"id": self.status[0], "name": self.status[1], "since": None},
            "status_since": self.status_since,
            "tags": [],
            "total_uptime": 0,
            "type": "Probe",
        }


def _operator_probes(timeline: ScenarioTimeline) -> list[ReplayProbe]:
    """The connected probes, each operator's share of :data:`PROBES`, with their connection events."""
    grid = np.arange(timeline.start, timeline.end, timeline.step, dtype=np.int64)
    probes: list[ReplayProbe] = []
    for operator in kazakhstan.OPERATORS:
        factors = timeline.factors(operator.entity, grid)
        count = round(operator.share * PROBES)
        for k in range(count):
            number = len(probes)
            threshold = 0.05 + 0.9 * (k + 0.5) / count
            events = _events(grid, factors >= threshold, number, timeline.step)
            since = events[-1][0] if events else INSTALLED
            probe = ReplayProbe(FIRST_ID + number, operator.asn, threshold, events, status_since=since)
            position = POSITIONS[number % len(POSITIONS)]
            probes.append(replace(probe, last_connected=timeline.end, position=position))
    return probes


def _events(grid: Any, up: Any, number: int, step: int) -> tuple[tuple[int, str], ...]:
    """A probe's events: the timeline's changes (a few seconds late, per probe) and its ordinary flaps."""
    lag = number * 7 % 60
    changes = np.flatnonzero(np.diff(up.astype(np.int8)))
    events = [(int(grid[i + 1]) + lag, "connect" if up[i + 1] else "disconnect") for i in changes]
    offset = (number * 37 + 7) * 60
    for day_start in range(int(grid[0]), int(grid[-1]), 86_400):
        flap = day_start + offset
        at = (flap - int(grid[0])) // step
        if (day_start // 86_400) % 3 == number % 3 and at + 1 < len(up) and up[at] and up[at + 1]:
            events += [(flap, "disconnect"), (flap + FLAP_SECONDS, "connect")]
    return tuple(sorted(events))


def _idle_probes(number: int) -> list[ReplayProbe]:
    """An abandoned probe and one that never connected: listed by Atlas, never counted."""
    abandoned = ReplayProbe(
        FIRST_ID + number,
        kazakhstan.KAZAKHTELECOM.asn,
        threshold=1.0,
        events=(),
        status=(3, "Abandoned"),
        status_since=ABANDONED_SINCE,
        last_connected=ABANDONED_SINCE,
    )
    never = ReplayProbe(
        FIRST_ID + number + 1,
        kazakhstan.KCELL.asn,
        threshold=1.0,
        events=(),
        status=(0, "Never Connected"),
        status_since=INSTALLED,
        first_connected=None,
    )
    return [abandoned, never]


@dataclass
class AtlasReplay:
    """The replay's probes and their connection events, computed once."""

    timeline: ScenarioTimeline
    probes: list[ReplayProbe] = field(init=False)

    def __post_init__(self) -> None:
        active = _operator_probes(self.timeline)
        self.probes = [*active, *_idle_probes(len(active))]

    def matching(self, query: dict[str, str]) -> list[ReplayProbe]:
        """The probes ``/probes/``'s ``country_code``, ``asn_v4`` and ``asn`` filters keep."""
        country = query.get("country_code")
        asn = query.get("asn_v4") or query.get("asn")
        if country is not None and country.upper() != kazakhstan.COUNTRY:
            return []
        return [p for p in self.probes if asn is None or asn == str(p.asn)]


def atlas_error(status: int, title: str, detail: str, parameter: str | None = None) -> Response:
    """Atlas's error body (``error`` with status, title, detail and per-parameter errors)."""
    errors = [{"source": {"parameter": parameter}, "detail": detail}] if parameter else []
    body = {"error": {"status": status, "code": 104, "detail": detail, "title": title, "errors": errors}}
    return JSONResponse(body, status_code=status)


def _number(query: dict[str, str], name: str, default: int) -> int | None:
    value = query.get(name, str(default))
    return int(value) if value.isdigit() else None


class AtlasRoutes:
    """The replay's request handlers over one :class:`AtlasReplay`."""

    def __init__(self, replay: AtlasReplay) -> None:
        self.replay = replay

    async def probes(self, request: Request) -> Response:
        """``/probes/``: one page of the matching probes, with ``count``, ``next`` and ``previous``."""
        query = dict(request.query_params)
        page, size = _number(query, "page", 1), _number(query, "page_size", 50)
        if not page or not size:
            return atlas_error(400, "Bad Request", "A valid integer is required.", "page_size")
        size = min(size, MAX_PAGE_SIZE)
        found = self.replay.matching(query)
        rows = [p.row() for p in found[(page - 1) * size : page * size]]
        if not rows and page > 1:
            return atlas_error(404, "Not Found", "Invalid page.")

        def link(number: int) -> str | None:
            inside = number >= 1 and (number - 1) * size < len(found)
            return f"{PUBLIC_BASE}/probes/?{urlencode({**query, 'page': number})}" if inside else None

        body = {"count": len(found), "next": link(page + 1), "previous": link(page - 1), "results": rows}
        return JSONResponse(body)

    async def connection_results(self, request: Request) -> Response:
        """``/measurements/7000/results/``: the connection events in ``[start, stop]`` of ``probe_ids``."""
        query = dict(request.query_params)
        start, stop = _number(query, "start", 0), _number(query, "stop", 2**31)
        if start is None or stop is None:
            return atlas_error(400, "Bad Request", "start and stop must be epoch seconds.", "start")
        wanted = {int(i) for i in query.get("probe_ids", "").split(",") if i.isdigit()}
        records = [
            {
                "fw": 5080,
                "msm_id": 7000,
                "prb_id": probe.id,
                "timestamp": time,
                "event": event,
                "type": "connection",
                "controller": f"ctr-ams0{probe.id % 4 + 1}",
                "asn": probe.asn,
                "prefix": None,
            }
            for probe in self.replay.probes
            if not wanted or probe.id in wanted
            for time, event in probe.events
            if start <= time <= stop
        ]
        return JSONResponse(sorted(records, key=lambda r: (r["timestamp"], r["prb_id"])))


def atlas_app(timeline: ScenarioTimeline | None = None) -> Starlette:
    """The replay as a Starlette app, Atlas's routes under ``/api/v2``."""
    routes = AtlasRoutes(AtlasReplay(timeline or kazakhstan.timeline()))
    return Starlette(
        routes=[
            Route("/api/v2/probes/", routes.probes),
            Route("/api/v2/measurements/7000/results/", routes.connection_results),
        ]
    )
