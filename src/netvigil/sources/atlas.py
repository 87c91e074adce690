"""RIPE Atlas as a public source: connected probes per country and AS, and Disco-style disconnection bursts.

RIPE Atlas (API v2, API-SHAPES.md §4, ``https://atlas.ripe.net/api/v2``) needs no key for public
data; a key in ``$NETVIGIL_ATLAS_KEY`` is sent as ``Authorization: Key …`` when set. Two
documented endpoints are read:

- ``/probes/?country_code=KZ`` or ``/probes/?asn_v4=29355`` (paged by following ``next``): the
  entity's probes, with their current ``status``, ``status_since``, ``first_connected``,
  ``last_connected`` and position (``geometry``, a GeoJSON point);
- ``/measurements/7000/results/?start&stop&probe_ids``: the built-in "connection events"
  measurement, one record per probe connecting to or disconnecting from its controller
  (``prb_id``, ``timestamp``, ``event``), the stream IHR and Disco read. It is a plain array, not
  paged; probe ids are sent in groups of :data:`IDS_PER_REQUEST`.

Regions: Atlas has no region filter, so a country's probes are placed into its regions by their
position (:func:`netvigil.geo.places.region_of_point`, nearest centroid). Atlas publishes
positions as the hosts give them, rounded to about a kilometre: good enough for a region, not for
a district. A probe without a position, or farther than the centroid table reaches, is in no
region. The regions' ``atlas`` series come with their country's, from the same requests (asking
for each region again would cost as many requests per region as per country); a ``region:``
entity on its own asks nothing.

**Signal ``atlas``**: the number of the entity's probes connected, every :data:`STEP` seconds.
A probe's state at the window's start is the opposite of its first event in the window; for a
probe with no event in the window, the state its last event in the :data:`LOOKBACK` before left
(one more request, for the quiet probes only: a probe stays down through a whole window in every
shutdown longer than a day); with no event there either, its current status if that status began
before the window (``status_since``), else connected if it was in service then
(``first_connected`` before and ``last_connected`` after the window's start). Only a probe down,
without a sound, for more than a week and back since is counted wrongly. An entity without probes
yields no points (a zero would read as an outage).

**Events ``disconnection-burst``**: a simplified Disco (Shah et al., "Disco: Fast, Good, and
Cheap Outage Detection", TMA 2017). Disco finds bursts of disconnections in the stream of one AS
or country with Kleinberg's burst model; netvigil uses a fixed rule instead: a burst is at least
:data:`BURST_MIN_PROBES` distinct probes of the entity disconnecting within :data:`BURST_SPAN`
seconds, who are at least :data:`BURST_MIN_SHARE` of the entity's probes connected just before.
Its ``start`` is the first disconnection, its ``end`` the moment half of those probes are back
(looked up to :data:`RECOVERY_HORIZON` past the window for a burst still open at its end, so a
stored burst is not left open for ever), ``score`` the share of connected probes lost (%), and
``members`` the probe ids, kept as evidence.

Politeness: RIPE states no number but asks for no tight polling, big pages (``page_size`` 500) and
caching; netvigil makes one request a second.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from netvigil.geo.places import region_of_point
from netvigil.model.entities import parse_entity
from netvigil.model.errors import UnknownEntityError
from netvigil.model.foreign import ForeignEvent
from netvigil.model.signals import SignalPoint
from netvigil.sources.http import SourceClient, SourceSettings, dig, next_url
from netvigil.sources.public import register

SETTINGS: Final = SourceSettings(
    name="atlas",
    label="RIPE Atlas",
    default_url="https://atlas.ripe.net/api/v2",
    url_env="NETVIGIL_ATLAS_URL",
    token_env="NETVIGIL_ATLAS_KEY",
    auth_scheme="Key",
    min_interval=1.0,
)
SIGNAL: Final = "atlas"
KIND: Final = "disconnection-burst"
STEP: Final = 300
"""The step of the ``atlas`` signal: the count of connected probes every 5 minutes."""
WINDOW: Final = 86_400
CONNECTION_MSM: Final = 7000
"""RIPE Atlas's built-in measurement of probe connections and disconnections."""
PAGE_SIZE: Final = 500
IDS_PER_REQUEST: Final = 100
CONNECTED: Final = 1
NEVER_CONNECTED: Final = 0
BURST_SPAN: Final = 300
BURST_MIN_PROBES: Final = 3
BURST_MIN_SHARE: Final = 0.5
RECOVERY_HORIZON: Final = 7 * 86_400
LOOKBACK: Final = 7 * 86_400
"""How far before a window the last event of a probe quiet in it is looked for."""
PROBE_PAGE: Final = "https://atlas.ripe.net/probes"


def atlas_filter(entity: str) -> tuple[str, str]:
    """The ``/probes/`` filter of a netvigil entity; :class:`UnknownEntityError` saying why when none."""
    parsed = parse_entity(entity)
    if parsed.type == "country":
        return "country_code", parsed.code
    if parsed.type == "asn":
        return "asn_v4", parsed.code
    why = {
        "region": "a region's probes come with its country's, placed by their position",
        "service": "Atlas probes measure networks, not services",
    }.get(parsed.type, "Atlas has no such entity kind")
    raise UnknownEntityError(f"RIPE Atlas has no probes for {entity}: {why}; ask for country:CC or asn:N")


def _mapped(entity: str) -> tuple[str, str] | None:
    try:
        return atlas_filter(entity)
    except UnknownEntityError:
        return None


@dataclass(frozen=True, slots=True)
class Probe:
    """What the probe list says of one probe: its id and its current status (times in Unix seconds)."""

    id: int
    status: int
    status_since: int | None
    first_connected: int | None
    last_connected: int | None
    region: str | None = None

    def in_service(self, time: int) -> bool:
        """Whether the probe had been installed by ``time`` and connected at or after it."""
        first, last = self.first_connected, self.last_connected
        return first is not None and last is not None and first <= time <= last


@dataclass(frozen=True, slots=True, order=True)
class Change:
    """A probe connecting (``connected``) or disconnecting at ``time``."""

    time: int
    probe: int
    connected: bool


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_probe(client: SourceClient, url: str, row: Any) -> Probe:
    """One row of ``/probes/`` as a :class:`Probe`; a row without an id is a "malformed" answer."""
    probe_id = _int(dig(row, "id"))
    if probe_id is None:
        raise client.fail("malformed", url, "a probe without id")
    status = _int(dig(row, "status", "id"))
    return Probe(
        probe_id,
        NEVER_CONNECTED if status is None else status,
        _int(row.get("status_since")),
        _int(row.get("first_connected")),
        _int(row.get("last_connected")),
        probe_region(row),
    )


def probe_region(row: Any) -> str | None:
    """The region (ISO 3166-2) a ``/probes/`` row's position lies in, or None when it cannot be said.

    ``geometry`` is a GeoJSON point, ``[longitude, latitude]``; the row's ``country_code`` limits
    the candidates to that country's regions.
    """
    point = dig(row, "geometry", "coordinates")
    if not isinstance(point, list) or len(point) != 2:
        return None
    lon, lat = point
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        return None
    country = row.get("country_code")
    return region_of_point(float(lat), float(lon), country if isinstance(country, str) else None)


def read_changes(client: SourceClient, url: str, body: Any, probes: set[int]) -> list[Change]:
    """The connection events of ``probes`` in a measurement-7000 answer (a plain array), in time order."""
    if not isinstance(body, list):
        raise client.fail("malformed", url, "connection results are not a list")
    changes = []
    for record in body:
        probe, time, event = _int(dig(record, "prb_id")), _int(dig(record, "timestamp")), dig(record, "event")
        if probe is None or time is None:
            raise client.fail("malformed", url, "a connection event without prb_id or timestamp")
        if probe in probes and event in ("connect", "disconnect"):
            changes.append(Change(time, probe, event == "connect"))
    return sorted(changes)


@dataclass(frozen=True, slots=True)
class History:
    """An entity's probes over ``[since, until)``: each one's state at ``since``, then the changes."""

    since: int
    until: int
    initial: dict[int, bool]
    changes: list[Change]
    regions: dict[int, str] = field(default_factory=dict)
    """The region (ISO 3166-2) of each probe placed by its position."""

    def of_region(self, region: str) -> History:
        """The same history for the probes placed in ``region`` only."""
        ids = {probe for probe, where in self.regions.items() if where == region}
        initial = {probe: up for probe, up in self.initial.items() if probe in ids}
        changes = [c for c in self.changes if c.probe in ids]
        return History(self.since, self.until, initial, changes, dict.fromkeys(ids, region))

    def connected_counts(self, times: Iterable[int]) -> list[int]:
        """How many probes are connected at each of ``times`` (ascending; a change at ``t`` counts at t)."""
        state = dict(self.initial)
        counts, k = [], 0
        for time in times:
            while k < len(self.changes) and self.changes[k].time <= time:
                state[self.changes[k].probe] = self.changes[k].connected
                k += 1
            counts.append(sum(state.values()))
        return counts


def initial_state(probe: Probe, first: Change | None, last_before: Change | None, since: int) -> bool:
    """Whether ``probe`` was connected at ``since`` (see the module docstring for the rule)."""
    if first is not None:
        return not first.connected
    if last_before is not None:
        return last_before.connected
    if probe.status_since is not None and probe.status_since <= since:
        return probe.status == CONNECTED
    return probe.in_service(since)


def history(
    probes: list[Probe], changes: list[Change], before: list[Change], since: int, until: int
) -> History:
    """The :class:`History` of ``probes`` from their changes in ``[since, until)`` and those ``before`` it."""
    inside = [c for c in changes if since <= c.time < until]
    first: dict[int, Change] = {}
    for change in inside:
        first.setdefault(change.probe, change)
    last = {c.probe: c for c in sorted(before) if c.time < since}
    initial = {p.id: initial_state(p, first.get(p.id), last.get(p.id), since) for p in probes}
    regions = {p.id: p.region for p in probes if p.region is not None}
    return History(since, until, initial, inside, regions)


@dataclass(frozen=True, slots=True)
class Burst:
    """Probes that disconnected together: when the first went, who, and how many were connected before."""

    start: int
    members: tuple[int, ...]
    connected_before: int


def bursts(
    found: History,
    span: int = BURST_SPAN,
    min_probes: int = BURST_MIN_PROBES,
    min_share: float = BURST_MIN_SHARE,
) -> list[Burst]:
    """The disconnection bursts of ``found`` (see the module docstring for the rule).

    A burst is ``min_probes`` or more distinct probes gone within ``span`` seconds of the first,
    at least ``min_share`` of those connected just before it. The disconnections of a burst are
    not counted again in a later one.
    """
    times = [c.time for c in found.changes]
    running, level = [], sum(found.initial.values())
    for change in found.changes:
        level += 1 if change.connected else -1
        running.append(level)
    downs = [c for c in found.changes if not c.connected]
    result: list[Burst] = []
    i = 0
    while i < len(downs):
        start = downs[i].time
        group = [c for c in downs[i:] if c.time < start + span]
        members = tuple(sorted({c.probe for c in group}))
        before = bisect.bisect_left(times, start)
        connected = running[before - 1] if before else sum(found.initial.values())
        if len(members) >= min_probes and connected and len(members) / connected >= min_share:
            result.append(Burst(start, members, connected))
            i += len(group)
        else:
            i += 1
    return result


def recovery(burst: Burst, changes: list[Change]) -> int | None:
    """When half of a burst's probes are back (each one's first connect after it), or None if not yet."""
    back = []
    for probe in burst.members:
        times = [c.time for c in changes if c.probe == probe and c.connected and c.time > burst.start]
        if times:
            back.append(min(times))
    need = (len(burst.members) + 1) // 2
    return sorted(back)[need - 1] if len(back) >= need else None


class AtlasSource:
    """RIPE Atlas: the ``atlas`` signal (connected probes) and disconnection bursts of a country or AS."""

    def __init__(self, page_size: int = PAGE_SIZE) -> None:
        self.page_size = page_size
        self.settings = SETTINGS
        self.signals: tuple[str, ...] = (SIGNAL,)
        self.window = WINDOW

    def probes(self, client: SourceClient, entity: str) -> list[Probe]:
        """The entity's probes that were ever connected (``[]`` for an entity Atlas does not map)."""
        wanted = _mapped(entity)
        if wanted is None:
            return []
        params: dict[str, str | int] = {wanted[0]: wanted[1], "page_size": self.page_size}
        url = client.url("probes/", params)
        found = []
        for page in client.pages("probes/", params, next_url("next")):
            rows = dig(page, "results")
            if not isinstance(rows, list):
                raise client.fail("malformed", url, "a probe page without results")
            found += [read_probe(client, url, row) for row in rows]
        return [p for p in found if p.status != NEVER_CONNECTED and p.first_connected is not None]

    def changes(self, client: SourceClient, probes: Iterable[int], since: int, until: int) -> list[Change]:
        """The connection events of ``probes`` in ``[since, until)``, probe ids sent in groups."""
        ids = sorted(probes)
        found: list[Change] = []
        for k in range(0, len(ids), IDS_PER_REQUEST):
            group = ids[k : k + IDS_PER_REQUEST]
            params: dict[str, str | int] = {"start": since, "stop": until - 1, "format": "json"}
            params["probe_ids"] = ",".join(map(str, group))
            url = client.url(f"measurements/{CONNECTION_MSM}/results/", params)
            found += read_changes(client, url, client.get_json(url), set(group))
        return sorted(found)

    def history(self, client: SourceClient, entity: str, since: int, until: int) -> History | None:
        """The entity's probes and their changes over ``[since, until)``; None when it has no probes."""
        probes = [p for p in self.probes(client, entity) if (p.first_connected or until) < until]
        if not probes:
            return None
        changes = self.changes(client, (p.id for p in probes), since, until)
        quiet = {p.id for p in probes} - {c.probe for c in changes}
        before = self.changes(client, quiet, since - LOOKBACK, since) if quiet else []
        return history(probes, changes, before, since, until)

    def fetch_signals(
        self, client: SourceClient, entity: str, since: int, until: int
    ) -> Iterator[list[SignalPoint]]:
        """The entity's connected probes every :data:`STEP` seconds in ``[since, until)``, in one list.

        For a country, each of its regions with probes placed there follows, one list per region.
        """
        found = self.history(client, entity, since, until)
        if found is None:
            return
        times = range(since + (-since % STEP), until, STEP)
        yield _counted(entity, found, times)
        if entity.startswith("country:"):
            for region in sorted(set(found.regions.values())):
                yield _counted(f"region:{region}", found.of_region(region), times)

    def fetch_events(self, client: SourceClient, entity: str, since: int, until: int) -> list[ForeignEvent]:
        """The disconnection bursts of the entity's probes that begin in ``[since, until)``."""
        found = self.history(client, entity, since, until)
        if found is None:
            return []
        events = []
        for burst in bursts(found):
            end = recovery(burst, found.changes)
            if end is None:
                later = self.changes(client, burst.members, until, until + RECOVERY_HORIZON)
                end = recovery(burst, found.changes + later)
            events.append(_event(entity, burst, end))
        return events


def _counted(entity: str, found: History, times: range) -> list[SignalPoint]:
    """The ``atlas`` points of ``entity``: its connected probes at each of ``times``."""
    counts = found.connected_counts(times)
    return [SignalPoint(t, entity, SIGNAL, float(n), "atlas") for t, n in zip(times, counts, strict=True)]


def _event(entity: str, burst: Burst, end: int | None) -> ForeignEvent:
    """A burst as a :class:`ForeignEvent` whose ``members`` are its probe ids."""
    return ForeignEvent(
        source="atlas",
        entity=entity,
        start=burst.start,
        end=end,
        kind=KIND,
        source_id=f"{entity}/{burst.start}",
        url=f"{PROBE_PAGE}/{burst.members[0]}",
        score=round(100.0 * len(burst.members) / burst.connected_before, 1),
        members=tuple(str(m) for m in burst.members),
    )


register(AtlasSource())
