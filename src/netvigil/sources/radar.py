"""Cloudflare Radar as a public source: traffic per location and AS, traffic anomalies, outage annotations.

Radar's API (API-SHAPES.md §3, ``https://api.cloudflare.com/client/v4/radar/…``) needs an API
token, read from Cloudflare's own variable ``$CLOUDFLARE_API_TOKEN`` and sent as ``Authorization:
Bearer``; without one every request stops at once with the client's one-line ``unauthorised``
error. Every answer is Cloudflare's v4 envelope (``success``, ``errors``, ``messages``,
``result``): it is checked on every answer, since a failed query may come back with ``success:
false`` whatever the status.

- Entities: ``country:KZ`` → ``location=KZ``, ``asn:29355`` → ``asn=29355``. Regions and
  services are not Radar query parameters (:func:`radar_entity` says why); the fetches yield
  nothing for them, as the :class:`~netvigil.sources.public.PublicSource` guide asks.
- Signal ``radar.traffic``: ``/radar/netflows/timeseries`` (bytes of all Cloudflare products,
  the series Radar's own traffic pages and outage center draw). Radar publishes no volumes, only
  shapes: the values are min0-max normalised (``MIN0_MAX``: the largest value of the answer is 1,
  zero stays zero). netvigil's "% of ordinary" is a ratio to the detector's seasonal baseline
  learned from the same series, so the unit cancels out, but the scale must not jump between
  requests. Each request therefore asks two series normalised *together* (Radar's documented
  multi-series comparison): the window and the window of the same length just before it; the
  peak that sets the scale is then the largest of a fortnight, an ordinary peak unless an outage
  lasts longer than that. Values are stored as Radar gives them (0–1).
- Events: ``/radar/traffic_anomalies`` (Radar's automatic detections) and
  ``/radar/annotations/outages`` (outages its team confirmed, with a cause), both paged with
  ``limit``/``offset`` until a page comes back short.
- Politeness: Cloudflare allows 1200 requests per 5 minutes per token and blocks every call for
  5 minutes with a 429 beyond it; netvigil keeps to one request every 0.5 s (half the limit, the
  token may serve other tools) and waits out a ``Retry-After`` of up to those 5 minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from netvigil.model.entities import parse_entity
from netvigil.model.errors import UnknownEntityError
from netvigil.model.events import iso
from netvigil.model.foreign import ForeignEvent
from netvigil.model.signals import SignalPoint
from netvigil.sources.http import SourceClient, SourceSettings, by_offset, dig
from netvigil.sources.public import fetch_windows, register

SETTINGS: Final = SourceSettings(
    name="radar",
    label="Cloudflare Radar",
    default_url="https://api.cloudflare.com/client/v4",
    url_env="NETVIGIL_RADAR_URL",
    token_env="CLOUDFLARE_API_TOKEN",
    token_required=True,
    min_interval=0.5,
    max_retry_after=300.0,
)
SIGNAL: Final = "radar.traffic"
WINDOW: Final = 7 * 86_400
"""One request's span: a week, so every request holds ordinary days around a shorter outage."""
AGG_INTERVALS: Final = frozenset({"15m", "1h", "1d"})
PAGE_LIMIT: Final = 100
RADAR_SITE: Final = "https://radar.cloudflare.com"
OUTAGE_CENTER: Final = f"{RADAR_SITE}/outage-center"
SERIES: Final = ("window", "reference")
"""The names of the two series of one traffic request: the window asked for, and the one before it."""


@dataclass(frozen=True, slots=True)
class RadarEntity:
    """An entity as Radar's query names it: ``location=KZ`` or ``asn=29355``."""

    param: str
    code: str

    def page(self, since: int, until: int) -> str:
        """Radar's public traffic page of the entity over ``[since, until)``."""
        name = self.code.lower() if self.param == "location" else f"as{self.code}"
        return f"{RADAR_SITE}/traffic/{name}?dateStart={_day(since)}&dateEnd={_day(until)}"


def radar_entity(entity: str) -> RadarEntity:
    """Radar's name for a netvigil entity; :class:`UnknownEntityError` saying why when it has none."""
    parsed = parse_entity(entity)
    if parsed.type == "country":
        return RadarEntity("location", parsed.code)
    if parsed.type == "asn":
        return RadarEntity("asn", parsed.code)
    why = {
        "region": "Radar's traffic and anomaly queries take a country or an AS, not an ISO 3166-2 region",
        "service": "Radar's traffic series are per network, not per service",
    }.get(parsed.type, "Radar has no such entity kind")
    ask = "ask for country:CC or asn:N"
    raise UnknownEntityError(f"Cloudflare Radar has no entity for {entity}: {why}; {ask}")


def _mapped(entity: str) -> RadarEntity | None:
    """:func:`radar_entity`, or None for an entity Radar does not know (the fetches then yield nothing)."""
    try:
        return radar_entity(entity)
    except UnknownEntityError:
        return None


def _day(time: int) -> str:
    return datetime.fromtimestamp(time, UTC).strftime("%Y-%m-%d")


def unix(client: SourceClient, url: str, text: object) -> int:
    """Unix seconds of one of Radar's ISO-8601 datetimes; anything else is a "malformed" answer."""
    if isinstance(text, str):
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())
    raise client.fail("malformed", url, f"not a datetime: {text!r}")


def envelope_result(client: SourceClient, url: str, body: Any) -> dict[str, Any]:
    """The ``result`` of Radar's envelope, after checking ``success`` and ``errors``.

    ``success: false`` or any entry in ``errors`` is the service's failure (``server_error``,
    quoting its first message); a body that is not the envelope, or whose ``result`` is not an
    object, is ``malformed``.
    """
    if not isinstance(body, dict) or "success" not in body:
        raise client.fail("malformed", url, "not a Cloudflare API envelope")
    errors = body.get("errors")
    if body["success"] is not True or errors:
        said = dig(errors[0], "message") if isinstance(errors, list) and errors else None
        raise client.fail("server_error", url, str(said or "success is false"))
    result = body.get("result")
    if not isinstance(result, dict):
        raise client.fail("malformed", url, "the envelope has no result object")
    return result


def spans(since: int, until: int) -> list[tuple[int, int]]:
    """``[since, until)`` cut into the week-long spans asked in one traffic request each."""
    return [(max(w.start, since), min(w.end, until)) for w in fetch_windows(since, until, WINDOW)]


def traffic_params(target: RadarEntity, since: int, until: int, agg_interval: str) -> list[tuple[str, str]]:
    """The query of one traffic request: the window and the span before it, normalised together."""
    before = since - (until - since)
    params: list[tuple[str, str]] = []
    for name, start, end in ((SERIES[0], since, until), (SERIES[1], before, since)):
        params += [("name", name), (target.param, target.code)]
        params += [("dateStart", iso(start)), ("dateEnd", iso(end))]
    return [*params, ("aggInterval", agg_interval), ("normalization", "MIN0_MAX"), ("format", "JSON")]


def series_points(
    client: SourceClient, url: str, series: Any, entity: str, since: int, until: int
) -> list[SignalPoint]:
    """The points of one Radar series in ``[since, until)``; values are strings, ``null`` is a gap."""
    times, values = dig(series, "timestamps"), dig(series, "values")
    if not isinstance(times, list) or not isinstance(values, list) or len(times) != len(values):
        raise client.fail("malformed", url, "a series without timestamps and values of one length")
    points = []
    for text, value in zip(times, values, strict=True):
        time = unix(client, url, text)
        if value is not None and since <= time < until:
            points.append(SignalPoint(time, entity, SIGNAL, _number(client, url, value), source="radar"))
    return points


def _number(client: SourceClient, url: str, value: object) -> float:
    """A series value (Radar writes them as strings, ``"0.871752"``) as a float."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except ValueError:
            pass
    raise client.fail("malformed", url, f"not a number: {value!r}")


class RadarSource:
    """Radar's normalised traffic (``radar.traffic``) and its anomalies and outage annotations.

    ``agg_interval`` is Radar's bin (``15m``, ``1h``, ``1d``; an hour by default, what Radar
    gives for a week); ``page_limit`` is the ``limit`` of one page of events.
    """

    def __init__(self, agg_interval: str = "1h", page_limit: int = PAGE_LIMIT) -> None:
        if agg_interval not in AGG_INTERVALS:
            raise ValueError(f"aggInterval must be one of {sorted(AGG_INTERVALS)}, got {agg_interval!r}")
        self.agg_interval = agg_interval
        self.page_limit = page_limit
        self.settings = SETTINGS
        self.signals: tuple[str, ...] = (SIGNAL,)
        self.window = WINDOW

    def fetch_signals(
        self, client: SourceClient, entity: str, since: int, until: int
    ) -> Iterator[list[SignalPoint]]:
        """The traffic points of ``entity`` in ``[since, until)``, one list per week-long request."""
        target = _mapped(entity)
        if target is None:
            return
        for start, end in spans(since, until):
            params = traffic_params(target, start, end, self.agg_interval)
            url = client.url("radar/netflows/timeseries", params)
            result = envelope_result(client, url, client.get_json(url))
            yield series_points(client, url, result.get(SERIES[0]), entity, start, end)

    def fetch_events(self, client: SourceClient, entity: str, since: int, until: int) -> list[ForeignEvent]:
        """Radar's anomalies and outage annotations about ``entity`` that overlap ``[since, until)``."""
        target = _mapped(entity)
        if target is None:
            return []
        query = {target.param: target.code, "dateStart": iso(since), "dateEnd": iso(until), "format": "JSON"}
        path = "radar/traffic_anomalies"
        anomalies = [
            _anomaly(client, client.url(path), target, entity, record)
            for record in self._records(client, path, query, "trafficAnomalies")
        ]
        path = "radar/annotations/outages"
        outages = [
            _outage(client, client.url(path), entity, record)
            for record in self._records(client, path, query, "annotations")
        ]
        return [e for e in anomalies + outages if e is not None and e.overlaps(since, until)]

    def _records(self, client: SourceClient, path: str, query: dict[str, str], key: str) -> Iterator[Any]:
        """The records under ``result.<key>`` of every page (``limit``/``offset``, until a short page)."""
        params: dict[str, str | int] = {**query, "limit": self.page_limit, "offset": 0}
        url = client.url(path, params)
        for page in client.pages(path, params, by_offset(["result", key], self.page_limit)):
            records = envelope_result(client, url, page).get(key)
            if not isinstance(records, list):
                raise client.fail("malformed", url, f"result.{key} is not a list")
            yield from records


def anomaly_entity(record: Any) -> str | None:
    """The netvigil entity a traffic anomaly is about (``LOCATION`` → country, ``AS`` → asn), or None."""
    kind = dig(record, "type")
    code = dig(record, "locationDetails", "code") if kind == "LOCATION" else dig(record, "asnDetails", "asn")
    if kind == "LOCATION" and isinstance(code, str) and code:
        return f"country:{code.upper()}"
    if kind == "AS" and isinstance(code, str | int) and str(code).isdigit():
        return f"asn:{int(code)}"
    return None


def _anomaly(
    client: SourceClient, url: str, target: RadarEntity, entity: str, record: Any
) -> ForeignEvent | None:
    """A traffic anomaly about ``entity`` as a :class:`ForeignEvent`; None when it is about another.

    Radar lists the anomalies of the ASes of a location under that location too; each is kept only
    under the entity it is about (an ``AS`` anomaly under ``asn:N``), so none is stored twice.
    """
    uuid = dig(record, "uuid")
    if not isinstance(uuid, str) or not isinstance(dig(record, "type"), str):
        raise client.fail("malformed", url, "a traffic anomaly without uuid or type")
    if anomaly_entity(record) != entity:
        return None
    start = unix(client, url, record.get("startDate"))
    end = None if record.get("endDate") is None else unix(client, url, record["endDate"])
    status = record.get("status")
    return ForeignEvent(
        source="radar",
        entity=entity,
        start=start,
        end=end,
        kind=f"anomaly:{record['type']}",
        source_id=uuid,
        url=target.page(start, end if end is not None else start + 86_400),
        level=status if isinstance(status, str) else None,
    )


def annotation_entities(record: Any) -> set[str]:
    """The netvigil entities an outage annotation is about: its ASes if it names any, else its locations.

    A network outage names both the AS and its country; it is about the AS, so a country's
    events hold only the outages of the whole country or of its regions.
    """
    asns = dig(record, "asns")
    if not asns:
        details = dig(record, "asnsDetails")
        asns = [dig(d, "asn") for d in details] if isinstance(details, list) else []
    named = {f"asn:{int(a)}" for a in asns if isinstance(a, str | int) and str(a).isdigit()}
    if named:
        return named
    locations = dig(record, "locations")
    return {f"country:{c.upper()}" for c in locations or () if isinstance(c, str) and c}


def _outage(client: SourceClient, url: str, entity: str, record: Any) -> ForeignEvent | None:
    """An outage annotation about ``entity`` as a :class:`ForeignEvent`: kind its cause, level its type."""
    annotation_id = dig(record, "id")
    if not isinstance(annotation_id, str | int):
        raise client.fail("malformed", url, "an outage annotation without id")
    if entity not in annotation_entities(record):
        return None
    cause, scope = dig(record, "outage", "outageCause"), dig(record, "outage", "outageType")
    link = record.get("linkedUrl")
    return ForeignEvent(
        source="radar",
        entity=entity,
        start=unix(client, url, record.get("startDate")),
        end=None if record.get("endDate") is None else unix(client, url, record["endDate"]),
        kind=f"outage:{cause if isinstance(cause, str) and cause else 'UNKNOWN'}",
        source_id=str(annotation_id),
        url=link if isinstance(link, str) and link else OUTAGE_CENTER,
        level=scope if isinstance(scope, str) else None,
    )


register(RadarSource())
