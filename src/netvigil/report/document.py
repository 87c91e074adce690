"""Everything one incident report says, gathered through the store: the report's single source.

The renderers (Markdown, HTML, PDF, PNG) only lay out a :class:`Report`; every number in them is
computed here, from stored events and series, so the text, charts and cost agree with each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from netvigil.detect.baseline import percent_of_ordinary
from netvigil.detect.services import service_name
from netvigil.geo.entities import default_registry
from netvigil.model.annotations import Annotation
from netvigil.model.entities import parse_entity
from netvigil.model.errors import ConfigError, InputError
from netvigil.model.events import Event, EventFilter
from netvigil.pipeline.provenance import is_synthetic
from netvigil.report.charts import Chart, Line, draw
from netvigil.report.cost import CostEstimate, country_of, estimate
from netvigil.report.shutdown_order import ShutdownRow, shutdown_rows
from netvigil.report.statement import Place, headline, suggestion_sentence
from netvigil.report.taxonomy import Taxonomy, classify, suggest_cause
from netvigil.report.zones import local_text, utc_text, zone_for
from netvigil.store.protocol import EventStore, SignalStore, Store

BEFORE = 2 * 86_400
AFTER = 86_400
SIGNAL_NAMES = {
    "probe": "active probing (/24 blocks answering)",
    "bgp": "BGP (routed /24-equivalents seen by full-feed peers)",
    "traffic": "traffic volume",
    "reachability": "app and web tests (OONI format)",
    "throttled": "app tests slower than ordinary",
    "bgp_updates": "BGP update churn",
}
CHART_SIGNALS = ("probe", "bgp", "traffic")


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One line of the timeline: a phase (or the start/end), in UTC and local time."""

    utc: str
    local: str
    until_utc: str
    until_local: str
    level: float
    note: str


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One signal of one entity that the report rests on."""

    entity: str
    signal: str
    source: str
    observations: int
    confidence: float
    name: str
    """The entity in words (e.g. "Kcell (AS29355)"), shown before its id."""


@dataclass(frozen=True, slots=True)
class Affected:
    """An affected network, region or service with its own event."""

    entity: str
    name: str
    kind: str
    level: float
    start: str
    end: str


@dataclass(frozen=True, slots=True)
class Report:
    """One incident report, ready to render."""

    event: Event
    title: str
    statement: str
    taxonomy: Taxonomy
    annotations: tuple[Annotation, ...]
    zone: str
    timeline: tuple[TimelineRow, ...]
    networks: tuple[Affected, ...]
    regions: tuple[Affected, ...]
    services: tuple[Affected, ...]
    evidence: tuple[EvidenceRow, ...]
    charts: tuple[Chart, ...]
    cost: CostEstimate | None
    synthetic: bool
    generated_at: int
    shutdown: tuple[ShutdownRow, ...] = ()
    cost_withheld: bool = False
    """No cost figure because the data are synthetic and none was asked for."""


def find_event(
    store: EventStore, event_id: str | None, entity: str | None, since: int | None, until: int | None
) -> Event:
    """The event by id, or the deepest top-level event of ``entity`` in the window."""
    if event_id:
        found = store.get_event(event_id)
        if found is None:
            raise InputError(f"no event with id {event_id}; list them with `netvigil events`")
        return found
    if not entity:
        raise InputError("give an EVENT_ID, or --entity with --from/--until")
    events = store.read_events(EventFilter(entities=[entity], since=since, until=until))
    top = [e for e in events if e.parent_event is None] or events
    if not top:
        raise InputError(f"no event of {entity} in that window")
    return min(top, key=lambda e: (e.level, e.start))


def place_of(event: Event) -> Place:
    """The event's entity in words."""
    registry = default_registry()
    eid = parse_entity(event.entity)
    country = country_of(event.entity)
    country_name = registry.name(f"country:{country}") if country else ""
    if eid.type == "service":
        scope = registry.name(str(eid.scope)) if eid.scope else country_name
        if event.place and event.scope != "service":  # seen from a region: the services degraded together
            named = " and ".join(service_name(s) for s in event.services or (eid.code,))
            return Place(scope, country_name, None, named)
        return Place(scope, country_name, None, eid.code.replace("_", " ").title())
    kind = registry.get(eid).kind if eid.type == "asn" else None
    return Place(registry.name(event.entity), country_name, kind)


def _timeline(event: Event) -> tuple[TimelineRow, ...]:
    zone = zone_for(country_of(event.entity))
    phases = event.phases or ()
    rows = (
        [(event.start, event.end, event.level, event.kind)]
        if not phases
        else [(p.start, p.end, p.level, p.note) for p in phases]
    )
    return tuple(
        TimelineRow(utc_text(s), local_text(s, zone), utc_text(e), local_text(e, zone), lvl, note)
        for s, e, lvl, note in rows
    )


def _affected(events: Sequence[Event]) -> tuple[Affected, ...]:
    registry = default_registry()
    out = []
    for e in sorted(events, key=lambda e: (e.start, e.entity)):
        kind = ", ".join(e.network_kinds) or (
            str(registry.get(e.entity).kind or "") if e.entity.startswith("asn:") else e.kind
        )
        out.append(
            Affected(
                e.entity,
                registry.name(e.entity),
                kind,
                e.level,
                utc_text(e.start),
                utc_text(e.end),
            )
        )
    return tuple(out)


def related_events(store: EventStore, event: Event) -> list[Event]:
    """Events of the same country that overlap this one (children, siblings and services)."""
    country = country_of(event.entity)
    window = EventFilter(since=event.start, until=(event.end or event.start + 365 * 86_400) + 1)
    return [e for e in store.read_events(window) if e.id != event.id and country_of(e.entity) == country]


def _percent(store: SignalStore, entity: str, signal: str, event: Event, now: int) -> Line | None:
    """One chart line as % of ordinary: the series scored from its first point, as the detector does."""
    end = (event.end or now) + AFTER
    for data in store.read_series([entity], [signal], None, end):
        if len(data.times) < 10:
            return None
        level = percent_of_ordinary(data.times, data.values, signal=signal)
        keep = data.times >= event.start - BEFORE
        return Line(f"{default_registry().name(entity)} · {signal}", data.times[keep], level[keep])
    return None


def _lines(
    store: SignalStore, entities: Sequence[str], signals: Sequence[str], event: Event, now: int
) -> list[Line]:
    found = (_percent(store, e, s, event, now) for e in entities for s in signals)
    return [line for line in found if line is not None]


def _charts(
    store: SignalStore, event: Event, related: Sequence[Event], out: Path, now: int, synthetic: bool
) -> list[Chart]:
    charts = []
    main = _lines(store, [event.entity], [*CHART_SIGNALS, "reachability"], event, now)
    if main:
        charts.append(draw(f"{event.entity_name}: all signals", main, event, out / "signals", synthetic))
    asns = sorted(
        {e.entity for e in related if e.entity.startswith("asn:")}
        | {c for c in event.children if c.startswith("asn:")}
    )
    registry = default_registry()
    for kinds, name in ((("mobile", "mixed"), "mobile"), (("fixed", "mixed"), "fixed")):
        picked = [a for a in asns if registry.get(a).kind in kinds]
        lines = _lines(store, picked, ["probe"], event, now)
        if lines:
            title = f"Per network: {name} operators (probe)"
            charts.append(draw(title, lines, event, out / f"networks-{name}", synthetic))
    regions = sorted(
        {c for c in event.children if c.startswith("region:")}
        | {e.entity for e in related if e.entity.startswith("region:")}
    )
    lines = _lines(store, regions, ["probe"], event, now)
    if lines:
        charts.append(draw("Per region (probe)", lines, event, out / "regions", synthetic))
    return charts


def _evidence(
    store: Store, event: Event, related: Sequence[Event], now: int
) -> tuple[EvidenceRow, ...]:
    confidence = {e.entity: e.confidence for e in related} | {event.entity: event.confidence}
    entities = sorted(
        {event.entity, *event.children, *(e.entity for e in related if e.parent_event == event.id)}
    )
    rows = store.evidence.series_sources(entities, event.start, (event.end or now) + 1)
    registry = default_registry()
    return tuple(
        EvidenceRow(
            r.entity,
            SIGNAL_NAMES.get(r.signal, r.signal),
            r.source,
            r.observations,
            confidence.get(r.entity, 0.0),
            registry.name(r.entity),
        )
        for r in rows
        if r.signal != "bgp_updates"
    )


def _datacenters(store: SignalStore, event: Event, related: Sequence[Event]) -> tuple[list[str], list[str]]:
    country = country_of(event.entity) or ""
    dcs = [f"asn:{op.asn}" for op in default_registry().operators_of(country) if op.kind == "datacenter"]
    observed = sorted({s.entity for s in store.list_series(dcs)}) if dcs else []
    down = sorted({e.entity for e in related if e.entity in dcs})
    return [d for d in observed if d not in down], down


def _cost(event: Event, now: int, synthetic: bool, with_cost: bool | None) -> CostEstimate | None:
    """The cost estimate, if asked for (by default: unless the data are synthetic) and computable."""
    if not (with_cost if with_cost is not None else not synthetic):
        return None
    try:
        return estimate(event, now)
    except ConfigError:
        return None


def build_report(
    store: Store,
    event: Event,
    out: Path,
    now: int,
    synthetic: bool = False,
    with_cost: bool | None = None,
) -> Report:
    """Gather the report of ``event`` and draw its charts into ``out/charts``.

    The report is synthetic when asked (``synthetic``) or when the store was marked as holding
    synthetic data (:mod:`netvigil.pipeline.provenance`). A cost figure is given when
    ``with_cost`` says so; by default only for data that are not synthetic.
    """
    synthetic = synthetic or is_synthetic(store)
    related = related_events(store, event)
    place = place_of(event)
    up, down = _datacenters(store, event, related)
    siblings = store.read_events(EventFilter(entities=[event.entity]))
    notes = tuple(store.annotations.of([event.id]))
    cause = notes[-1].cause if notes else None
    kind = default_registry().get(event.entity).kind if event.entity.startswith("asn:") else None
    taxonomy = classify(event, kind, cause, suggest_cause(event, siblings, up, down))
    ours = [e for e in related if e.parent_event == event.id or e.entity in event.children]
    cost = _cost(event, now, synthetic, with_cost)
    return Report(
        event=event,
        title=f"{event.entity_name}: {event.kind.replace('_', ' ')} ({event.scope})",
        statement=" ".join(filter(None, (headline(event, place), suggestion_sentence(event)))),
        taxonomy=taxonomy,
        annotations=notes,
        zone=str(zone_for(country_of(event.entity))),
        timeline=_timeline(event),
        networks=_affected([e for e in ours if e.entity.startswith("asn:")]),
        regions=_affected([e for e in ours if e.entity.startswith("region:")]),
        services=_affected(
            [e for e in related if e.is_service and not e.entity.startswith("service:web")]
        ),
        evidence=_evidence(store, event, related, now),
        charts=tuple(_charts(store, event, related, out / "charts", now, synthetic)),
        cost=cost,
        synthetic=synthetic,
        generated_at=now,
        shutdown=shutdown_rows(store, event),
        cost_withheld=synthetic and with_cost is None,
    )
