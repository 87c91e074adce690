"""A loopback replay of the RIPE RIS and Route Views MRT archives, from a SYNTHETIC Kazakhstan timeline.

The files are SYNTHETIC: real MRT (TABLE_DUMP_V2 RIBs, BGP4MP updates) written for the real
prefixes of the Kazakh operators (:func:`netvigil.sim.bgp.kz_prefixes`) as a few simulated peers
per collector would have seen them under the January 2022 timeline
(:func:`netvigil.sim.kazakhstan.timeline`): an operator's routed prefixes follow the timeline's
routing share (the first ``share × n`` of its list), so the national blackout's withdrawals
(routing 0.75 from 5 January 10:35 UTC) and the partial returns after it are in the updates. The
mobile cut of 4 January is not: the timeline cuts mobile connectivity there, not routing. Every
peer also routes the 1000 background prefixes of :data:`netvigil.sim.bgp.BACKGROUND` (so it stays
full-feed above :data:`netvigil.sim.bgp.FULL_FEED` whatever Kazakhstan does) and re-announces one
of them each 5 minutes, so no bin is ever silent.

Served under two roots, each in its archive's layout (API-SHAPES.md §5), from the timeline's
start (26 Dec 2021) to its end (12 Jan 2022):

- ``/ris/<rrc00|rrc01>/YYYY.MM/{bview,updates}.YYYYMMDD.HHMM.gz`` (RIB every 8 h, updates every 5 min);
- ``/routeviews/bgpdata/YYYY.MM/{RIBS/rib,UPDATES/updates}.YYYYMMDD.HHMM.bz2`` for route-views2 (also
  at ``/routeviews/route-views2/bgpdata/…``) and ``/routeviews/route-views.linx/bgpdata/…`` (RIB
  every 2 h, updates every 15 min).

Files are made when first asked for and kept in memory; the same name always gives the same
bytes, served with ``Range`` (:func:`~netvigil.sim.services.ranged_answer`). A name off the grid,
outside the timeline or in the wrong month directory is a 404, as the archives answer.

A file starting at ``t`` holds the changes at each 5-minute step ``s`` in ``[t, t + period)``:
the table moves from the timeline's state at ``s - 300`` to its state at ``s``, a few seconds
after ``s``. A RIB at ``t`` holds the state at ``t - 300``, the table just before the changes at ``t``.
"""

from __future__ import annotations

import bz2
import gzip
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from netvigil.model.timeline import Timeline
from netvigil.sim import bgp, kazakhstan
from netvigil.sim.services import ranged_answer
from netvigil.sources.mrt.writer import attributes, update_records, write_rib

COLLECTORS: Final[dict[str, dict[str, tuple[int, ...]]]] = {
    "ris": {"rrc00": (0, 1, 2), "rrc01": (3, 4, 5)},
    "routeviews": {"route-views2": (6, 7, 8), "route-views.linx": (9,)},
}
"""SYNTHETIC: each archive's collectors and their peers (numbers in :data:`netvigil.sim.bgp.PEERS`)."""
PERIODS: Final[dict[str, tuple[int, int]]] = {"ris": (8 * 3600, 300), "routeviews": (2 * 3600, 900)}
"""Each archive's (RIB period, update file period), seconds."""
STEP: Final = kazakhstan.STEP
_NAMES: Final = {
    "ris": re.compile(r"(?P<kind>bview|updates)\.(?P<stamp>\d{8}\.\d{4})\.gz"),
    "routeviews": re.compile(r"(?P<kind>rib|updates)\.(?P<stamp>\d{8}\.\d{4})\.bz2"),
}
_DIRECTORIES: Final = {"RIBS": "rib", "UPDATES": "updates"}
_CACHED_FILES: Final = 512


@dataclass(frozen=True, slots=True)
class Wanted:
    """A file asked for: which archive and collector, RIB or updates, starting when."""

    archive: str
    collector: str
    rib: bool
    time: int


class ArchiveReplay:
    """Makes the MRT files of the replay from a timeline (the Kazakhstan one by default), on demand."""

    def __init__(self, timeline: Timeline | None = None) -> None:
        self.timeline = timeline if timeline is not None else kazakhstan.timeline()
        self.prefixes = bgp.kz_prefixes()
        self.file = lru_cache(maxsize=_CACHED_FILES)(self._make)

    def routed(self, time: int) -> dict[int, int]:
        """How many prefixes of each operator are routed at ``time`` (clamped to the timeline)."""
        clamped = min(max(time, self.timeline.start), self.timeline.end - STEP)
        return bgp.routed(self.timeline, self.prefixes, clamped)

    def served(self, wanted: Wanted) -> bool:
        """Whether the archive would have this file: a known collector, on the grid, inside the timeline."""
        if wanted.collector not in COLLECTORS[wanted.archive]:
            return False
        period = PERIODS[wanted.archive][0 if wanted.rib else 1]
        inside = self.timeline.start <= wanted.time < self.timeline.end
        return inside and wanted.time % period == 0

    def _make(self, wanted: Wanted) -> bytes:
        """The compressed file (gzip for RIS, bzip2 for Route Views)."""
        peers = COLLECTORS[wanted.archive][wanted.collector]
        raw = self.rib(peers, wanted.time) if wanted.rib else self.updates(peers, wanted.archive, wanted.time)
        return gzip.compress(raw, mtime=0) if wanted.archive == "ris" else bz2.compress(raw)

    def rib(self, peers: tuple[int, ...], time: int) -> bytes:
        """A TABLE_DUMP_V2 RIB at ``time``: the table just before the changes at ``time``."""
        out = io.BytesIO()
        state = self.routed(time - STEP)
        write_rib(out, time, [bgp.PEERS[i] for i in peers], bgp.rib_routes(self.prefixes, state, peers))
        return out.getvalue()

    def updates(self, peers: tuple[int, ...], archive: str, start: int) -> bytes:
        """BGP4MP updates of ``[start, start + period)``: the timeline's changes, then a little churn."""
        records: list[bytes] = []
        for step in range(start, start + PERIODS[archive][1], STEP):
            before, now = self.routed(step - STEP), self.routed(step)
            for offset, peer in enumerate(peers):
                records += self._changes(peer, step + offset, before, now)
            for offset, peer in enumerate(peers):
                records += self._churn(peer, step + 60 + offset)
        return b"".join(records)

    def _changes(self, peer: int, time: int, before: dict[int, int], now: dict[int, int]) -> list[bytes]:
        """What one peer says when the routed prefixes move from ``before`` to ``now``."""
        records: list[bytes] = []
        address = bgp.PEERS[peer][0]
        for asn, plist in self.prefixes.items():
            gone, back = plist[now[asn] : before[asn]], plist[before[asn] : now[asn]]
            if gone or back:
                path = attributes(bgp.as_path(peer, asn), address)
                records += update_records(time, bgp.PEERS[peer], gone, back, path)
        return records

    def _churn(self, peer: int, time: int) -> list[bytes]:
        """A path change of one background prefix: ordinary noise that keeps every bin fed."""
        prefix = bgp.BACKGROUND[(time // STEP + peer) % len(bgp.BACKGROUND)]
        path = attributes(bgp.as_path(peer, 64512, 1), bgp.PEERS[peer][0])
        return update_records(time, bgp.PEERS[peer], [], [prefix], path)


def parse_stamp(stamp: str) -> int:
    """Unix seconds of a ``YYYYMMDD.HHMM`` file-name time (UTC)."""
    return int(datetime.strptime(stamp, "%Y%m%d.%H%M").replace(tzinfo=UTC).timestamp())


def _wanted(archive: str, collector: str, month: str, name: str) -> Wanted | None:
    """The file a request names, or None when the name is not one of the archive's."""
    found = _NAMES[archive].fullmatch(name)
    if found is None:
        return None
    stamp = found["stamp"]
    if month != f"{stamp[:4]}.{stamp[4:6]}":
        return None
    return Wanted(archive, collector, found["kind"] in ("bview", "rib"), parse_stamp(stamp))


def _answer(replay: ArchiveReplay, request: Request, wanted: Wanted | None) -> Response:
    """The file, honouring ``Range``; 404 for a file the archive does not have."""
    if wanted is None or not replay.served(wanted):
        return Response("Not Found", status_code=404, media_type="text/plain")
    return ranged_answer(request, replay.file(wanted))


def archive_app(replay: ArchiveReplay | None = None) -> Starlette:
    """The replay as a Starlette app: RIS under ``/ris``, Route Views under ``/routeviews``."""
    files = replay if replay is not None else ArchiveReplay()

    async def ris(request: Request) -> Response:
        p = request.path_params
        return _answer(files, request, _wanted("ris", p["collector"], p["month"], p["name"]))

    async def routeviews_root(request: Request) -> Response:
        return _routeviews(request, "route-views2")

    async def routeviews(request: Request) -> Response:
        return _routeviews(request, request.path_params["collector"])

    def _routeviews(request: Request, collector: str) -> Response:
        p = request.path_params
        wanted = _wanted("routeviews", collector, p["month"], p["name"])
        if wanted is not None and _DIRECTORIES.get(p["directory"]) != ("rib" if wanted.rib else "updates"):
            wanted = None
        return _answer(files, request, wanted)

    return Starlette(
        routes=[
            Route("/ris/{collector}/{month}/{name}", ris),
            Route("/routeviews/bgpdata/{month}/{directory}/{name}", routeviews_root),
            Route("/routeviews/{collector}/bgpdata/{month}/{directory}/{name}", routeviews),
        ]
    )
