"""IODA (Internet Outage Detection and Analysis, Georgia Tech) as a public source: signals and outage events.

IODA API v2 (API-SHAPES.md §1) gives, per country or AS, raw time series per datasource through
``/signals/raw/{entityType}/{entityCode}`` and its own outage events and alerts through
``/outages/events`` and ``/outages/alerts``. Every answer is one envelope whose ``error`` field
must be checked even on HTTP 200 (a backend failure comes back as 200 with ``error`` set).

- Entities: ``country:KZ`` → ``country/KZ`` and ``asn:29355`` → ``asn/29355``. IODA numbers
  regions by its geolocation provider's own ids (``1473`` for Greater Accra), with no published
  ISO 3166-2 table, so a netvigil region (``region:KZ-75``) is found by name: the country's regions
  from ``/entities/query`` are matched to ISO 3166-2 names (:func:`match_regions`); a region whose
  name matches none, or several, is not mapped. Services are not IODA entities.
  :func:`ioda_entity` names what is not mapped; the fetch methods yield nothing for it, as the
  :class:`~netvigil.sources.public.PublicSource` guide asks.
- Signals: one request per datasource (``bgp``, ``ping-slash24``, ``merit-nt``, ``gtr``; others
  listed by ``/datasources/`` may be passed in), each span cut below IODA's 100-day limit. Point
  *k* of a series is at ``from + k*step``; ``null`` is a gap (no point, never a zero), and the
  nested per-label objects some datasources return are skipped and counted. A datasource that
  fails is reported and the others still come back.
- Events: codf records (``start``, ``duration``, ``score``, ``datasource``, ``method``) and
  alerts (``time``, ``level``) become :class:`~netvigil.model.foreign.ForeignEvent` values with a
  link to the IODA dashboard.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from netvigil.geo.entities import default_registry
from netvigil.model.entities import parse_entity
from netvigil.model.errors import SERVICE_WIDE_KINDS, SourceError, UnknownEntityError
from netvigil.model.foreign import ForeignEvent, SourceReport
from netvigil.model.signals import SignalPoint
from netvigil.sources.http import SourceClient, SourceSettings, by_page, dig
from netvigil.sources.public import fetch_windows, register

SETTINGS: Final = SourceSettings(
    name="ioda",
    label="IODA",
    default_url="https://api.ioda.inetintel.cc.gatech.edu/v2",
    url_env="NETVIGIL_IODA_URL",
    min_interval=1.0,
)
DATASOURCES: Final[tuple[str, ...]] = ("bgp", "ping-slash24", "merit-nt", "gtr")
"""The datasources fetched by default: IODA's BGP, active probing, telescope and Google traffic."""
MAX_RANGE: Final = 99 * 86_400
"""The longest span asked in one request: IODA refuses ranges of 100 days or more."""
PAGE_LIMIT: Final = 500
DASHBOARD: Final = "https://ioda.inetintel.cc.gatech.edu"
MAPPED_KINDS: Final = ("country", "asn")


@dataclass(frozen=True, slots=True)
class IodaEntity:
    """An entity as IODA names it in its URLs and answers: ``entityType`` and ``entityCode``.

    ``netvigil`` is the netvigil entity it stands for (empty: the plain ``type:code`` mapping).
    """

    type: str
    code: str
    netvigil: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """``(entityType, entityCode)`` as an answer names it."""
        return self.type, self.code


def ioda_entity(entity: str) -> IodaEntity:
    """IODA's name for a netvigil entity; :class:`UnknownEntityError` saying why when it has none."""
    parsed = parse_entity(entity)
    if parsed.type in MAPPED_KINDS:
        return IodaEntity(parsed.type, parsed.code)
    why = {
        "region": "IODA numbers regions by its own ids, not ISO 3166-2 codes (IodaSource finds them by name)",
        "service": "IODA watches networks, not services",
    }.get(parsed.type, "IODA has no such entity kind")
    raise UnknownEntityError(f"IODA has no entity for {entity}: {why}; ask for country:CC or asn:N")


def netvigil_entity(entity_type: object, entity_code: object, target: IodaEntity | None = None) -> str | None:
    """The netvigil entity an IODA answer names (``target``'s when it is that one), else None."""
    if target is not None and target.netvigil and (entity_type, str(entity_code)) == target.key:
        return target.netvigil
    if entity_type not in MAPPED_KINDS or not isinstance(entity_code, str | int):
        return None
    code = str(entity_code)
    return f"country:{code.upper()}" if entity_type == "country" else f"asn:{code}"


_REGION_WORDS: Final = frozenset({"city", "oblysy", "oblast", "region", "province", "governorate", "state"})


def _folded(name: str, keep_kind_words: bool) -> str:
    """A name compared loosely: case and accents folded, punctuation dropped, kind words optional."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return " ".join(w for w in words if keep_kind_words or w not in _REGION_WORDS)


def match_regions(country: str, named: Mapping[str, str]) -> dict[str, str]:
    """ISO 3166-2 code → IODA region code, for the IODA regions (code → name) of ``country``.

    A name matches the ISO subdivision whose name is the same once case, accents and words such
    as "City" or "oblysy" are set aside; when that leaves several, the one whose full name (alone
    or with its ISO type) is the same wins: "Almaty City" and "Almaty" are KZ-75, the city, not
    KZ-19, the Almaty oblysy. Anything else is not mapped.
    """
    registry = default_registry()
    loosely: dict[str, str] = {}
    full: dict[str, set[str]] = {}
    for region in registry.regions(country):
        kind = registry.get(region.id).attributes.get("type", "")
        loosely[region.id.code] = _folded(region.name, False)
        full[region.id.code] = {_folded(region.name, True), _folded(f"{region.name} {kind}", True)}
    found: dict[str, str] = {}
    for code, name in named.items():
        loose = [iso for iso, folded in loosely.items() if folded == _folded(name, False)]
        exact = [iso for iso in loose if _folded(name, True) in full[iso]]
        chosen = loose if len(loose) == 1 else exact
        if len(chosen) == 1:
            found[chosen[0]] = code
    return found


def envelope_data(client: SourceClient, url: str, body: Any, kind: str) -> Any:
    """The ``data`` of an IODA envelope of ``type`` ``kind``; its ``error`` (even on a 200) is raised."""
    if not isinstance(body, dict) or "data" not in body:
        raise client.fail("malformed", url, "not an IODA envelope")
    error = body.get("error")
    if error:
        raise client.fail("server_error", url, str(error))
    if body.get("type") != kind:
        raise client.fail("malformed", url, f"envelope type {body.get('type')!r}, expected {kind!r}")
    return body["data"]


@dataclass(frozen=True, slots=True)
class SeriesPoints:
    """The points read from one IODA series, and how many nested values were skipped."""

    points: list[SignalPoint]
    skipped: int


def series_points(
    client: SourceClient, url: str, series: Any, since: int, until: int, target: IodaEntity | None = None
) -> SeriesPoints:
    """The points of one series in ``[since, until)``: ``null`` is a gap, nested values are skipped."""
    if not isinstance(series, dict) or not isinstance(series.get("values"), list):
        raise client.fail("malformed", url, "a series without values")
    entity = netvigil_entity(series.get("entityType"), series.get("entityCode"), target)
    start, step = series.get("from"), _step(series)
    if entity is None or not isinstance(start, int) or step is None:
        raise client.fail("malformed", url, "a series without entity, from or step")
    signal = f"ioda.{series.get('datasource')}"
    points, skipped = [], 0
    for k, value in enumerate(series["values"]):
        time = start + k * step
        if isinstance(value, bool) or not isinstance(value, int | float | None):
            skipped += 1
        elif value is not None and since <= time < until:
            points.append(SignalPoint(time, entity, signal, float(value), source="ioda"))
    return SeriesPoints(points, skipped)


def _step(series: dict[str, Any]) -> int | None:
    """The series' ``step``, else its ``nativeStep``; None when neither is a positive integer."""
    for key in ("step", "nativeStep"):
        value = series.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def listed_datasources(client: SourceClient) -> list[str]:
    """The datasources IODA lists at ``/datasources/`` (to pass to :class:`IodaSource`)."""
    url = client.url("datasources/")
    data = envelope_data(client, url, client.get_json(url), "datasources")
    if not isinstance(data, list):
        raise client.fail("malformed", url, "datasources is not a list")
    return [item["datasource"] for item in data if isinstance(dig(item, "datasource"), str)]


def region_names(client: SourceClient, country: str) -> dict[str, str]:
    """IODA's regions of ``country`` (code → name) from ``/entities/query``, every page."""
    params: dict[str, str | int] = {"entityType": "region", "relatedTo": f"country/{country}"}
    params["limit"] = PAGE_LIMIT
    url = client.url("entities/query", params)
    names: dict[str, str] = {}
    for page in client.pages("entities/query", {**params, "page": 0}, by_page(["data"], PAGE_LIMIT)):
        data = envelope_data(client, url, page, "entities.lookup")
        if not isinstance(data, list):
            raise client.fail("malformed", url, "entities data is not a list")
        names.update((str(e["code"]), str(e["name"])) for e in data if isinstance(dig(e, "name"), str))
    return names


def spans(since: int, until: int) -> list[tuple[int, int]]:
    """``[since, until)`` cut into spans IODA accepts in one request (shorter than 100 days)."""
    return [(max(w.start, since), min(w.end, until)) for w in fetch_windows(since, until, MAX_RANGE)]


def dashboard_link(entity: IodaEntity, start: int, end: int) -> str:
    """The IODA dashboard page of ``entity`` over ``[start, end]``."""
    return f"{DASHBOARD}/{entity.type}/{entity.code}?from={start}&until={end}"


class IodaSource:
    """IODA's raw signals (one per datasource) and its outage events and alerts, for countries and ASes.

    ``datasources`` may name others that ``/datasources/`` lists (:func:`listed_datasources`);
    ``max_points`` is sent as ``maxPoints`` (IODA then picks a coarser step), else the native step.
    """

    def __init__(self, datasources: tuple[str, ...] = DATASOURCES, max_points: int | None = None) -> None:
        self.datasources = datasources
        self.max_points = max_points
        self.settings = SETTINGS
        self.signals = tuple(f"ioda.{name}" for name in datasources)
        self.window = 7 * 86_400
        self._regions: dict[str, dict[str, str]] = {}

    def target(self, client: SourceClient, entity: str) -> IodaEntity | None:
        """IODA's entity for ``entity`` (a region looked up by name), or None when IODA has none."""
        parsed = parse_entity(entity)
        if parsed.type != "region":
            try:
                return ioda_entity(entity)
            except UnknownEntityError:
                return None
        country = parsed.code[:2]
        if country not in self._regions:
            self._regions[country] = match_regions(country, region_names(client, country))
        code = self._regions[country].get(parsed.code)
        return IodaEntity("region", code, entity) if code is not None else None

    def fetch_signals(
        self, client: SourceClient, entity: str, since: int, until: int, *, failures: list[str] | None = None
    ) -> Iterator[list[SignalPoint]]:
        """The points of ``entity`` in ``[since, until)``, one list per datasource and span.

        A datasource that fails does not stop the others. With ``failures`` given, its error's
        message (and a note of skipped nested values) is appended there; without it, the first
        error is raised once the other datasources are done. A failure of the whole service
        (offline, rate-limited) is raised at once.
        """
        target = self.target(client, entity)
        if target is None:
            return
        errors: list[SourceError] = []
        for datasource in self.datasources:
            for start, end in spans(since, until):
                try:
                    points, skipped = self._datasource(client, target, datasource, start, end)
                except SourceError as error:
                    if error.kind in SERVICE_WIDE_KINDS:
                        raise
                    errors.append(error)
                    break
                if skipped and failures is not None:
                    failures.append(f"IODA {datasource}: {skipped} nested values skipped for {entity}")
                yield points
        if failures is not None:
            failures.extend(str(error) for error in errors)
        elif errors:
            raise errors[0]

    def _datasource(
        self, client: SourceClient, target: IodaEntity, datasource: str, since: int, until: int
    ) -> tuple[list[SignalPoint], int]:
        """One request: the points of one datasource over one span, and the nested values skipped."""
        params: dict[str, str | int] = {"from": since, "until": until, "datasource": datasource}
        if self.max_points is not None:
            params["maxPoints"] = self.max_points
        url = client.url(f"signals/raw/{target.type}/{target.code}", params)
        data = envelope_data(client, url, client.get_json(url), "signals")
        if not isinstance(data, list) or not all(isinstance(per_entity, list) for per_entity in data):
            raise client.fail("malformed", url, "signals data is not a list of series lists")
        points: list[SignalPoint] = []
        skipped = 0
        for series in (one for per_entity in data for one in per_entity):
            read = series_points(client, url, series, since, until, target)
            points.extend(read.points)
            skipped += read.skipped
        return points, skipped

    def fetch_events(self, client: SourceClient, entity: str, since: int, until: int) -> list[ForeignEvent]:
        """IODA's outage events and non-normal alerts for ``entity`` that overlap ``[since, until)``."""
        target = self.target(client, entity)
        if target is None:
            return []
        query = {"from": since, "until": until, "entityType": target.type, "entityCode": target.code}
        codf = {**query, "format": "codf"}
        events = [
            event
            for record in self._records(client, "outages/events", codf, "outages.events")
            if (event := _event(client, target, entity, record)) is not None
        ]
        alerts = [
            alert
            for record in self._records(client, "outages/alerts", query, "outages.alerts")
            if (alert := _alert(client, target, entity, record)) is not None
        ]
        return [e for e in events + alerts if e.overlaps(since, until)]

    def _records(self, client: SourceClient, path: str, query: dict[str, Any], kind: str) -> Iterator[Any]:
        """The records of every page of an outages endpoint (``page`` is 0-based, ``limit`` required)."""
        params = {**query, "limit": PAGE_LIMIT, "page": 0}
        for page in client.pages(path, params, by_page(["data"], PAGE_LIMIT)):
            data = envelope_data(client, client.url(path, params), page, kind)
            if not isinstance(data, list):
                raise client.fail("malformed", client.url(path, params), f"{kind} data is not a list")
            yield from data


def _event(client: SourceClient, target: IodaEntity, entity: str, record: Any) -> ForeignEvent | None:
    """A codf event record (``location``, ``start``, ``duration``, ``score``) as a :class:`ForeignEvent`."""
    start, duration = dig(record, "start"), dig(record, "duration")
    if not isinstance(start, int) or not isinstance(duration, int):
        raise client.fail("malformed", client.url("outages/events"), "an event without start or duration")
    if record.get("location") != f"{target.type}/{target.code}":
        return None
    method = f"{record.get('datasource')}.{record.get('method')}"
    score = record.get("score")
    return ForeignEvent(
        source="ioda",
        entity=entity,
        start=start,
        end=None if record.get("overlaps_window") else start + duration,
        kind=f"event:{method}",
        source_id=f"{target.type}/{target.code}/{method}/{start}",
        url=dashboard_link(target, start, start + duration),
        score=float(score) if isinstance(score, int | float) else None,
    )


def _alert(client: SourceClient, target: IodaEntity, entity: str, record: Any) -> ForeignEvent | None:
    """A non-normal alert (``time``, ``level``) as a :class:`ForeignEvent` of one instant."""
    time, level = dig(record, "time"), dig(record, "level")
    if not isinstance(time, int) or not isinstance(level, str):
        raise client.fail("malformed", client.url("outages/alerts"), "an alert without time or level")
    named = netvigil_entity(dig(record, "entity", "type"), dig(record, "entity", "code"), target)
    if level == "normal" or named != entity:
        return None
    method = f"{record.get('datasource')}.{record.get('method')}"
    return ForeignEvent(
        source="ioda",
        entity=entity,
        start=time,
        end=time,
        kind=f"alert:{method}",
        source_id=f"{target.type}/{target.code}/{method}/{time}/alert",
        url=dashboard_link(target, time, time),
        level=level,
    )


def fetch_report(
    source: IodaSource, client: SourceClient, entity: str, since: int, until: int
) -> tuple[list[SignalPoint], SourceReport]:
    """Every point of ``entity`` in ``[since, until)`` and a report whose ``failures`` name what failed."""
    failures: list[str] = []
    batches = source.fetch_signals(client, entity, since, until, failures=failures)
    points = [point for batch in batches for point in batch]
    summary = SourceReport(source.settings.name, points=len(points), failures=tuple(failures))
    return points, client.report() + summary


register(IodaSource())
