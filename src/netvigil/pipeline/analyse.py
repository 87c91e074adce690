"""Run the detector over what the store holds and keep the events it finds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from netvigil.detect.baseline import judgeable_from
from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import Detection, Series, detect, finished
from netvigil.detect.grid import DAY, infer_step
from netvigil.detect.hierarchy import EntityInfo, nest_services
from netvigil.detect.services import FloatArray, IntArray, detect_service_events, group_by_place
from netvigil.geo.entities import default_registry
from netvigil.model.entities import service_scope
from netvigil.model.errors import EntityParseError, StepError, UnknownEntityError
from netvigil.model.events import Event
from netvigil.model.series import SeriesData, TooLittleHistory
from netvigil.pipeline.cluster import ClusterSpec
from netvigil.pipeline.detect_many import Progress, detect_partitioned
from netvigil.pipeline.reachability import ELSEWHERE
from netvigil.pipeline.vantage import with_vantage_points
from netvigil.store.protocol import SignalStore, Store


def entity_info(entities: Iterable[str]) -> dict[str, EntityInfo]:
    """Names, parents and network kinds of the given entities, from the registry."""
    registry = default_registry()
    info: dict[str, EntityInfo] = {}
    for key in entities:
        try:
            entity = registry.get(key)
        except (UnknownEntityError, EntityParseError):
            info[key] = EntityInfo(key)
            continue
        parent = str(entity.parent) if entity.parent else None
        info[key] = EntityInfo(entity.name, parent, entity.kind)
    return info


SERVICE_STEP = 3600


def _network_series(data: Iterable[SeriesData]) -> list[Series]:
    network = (d for d in data if not d.entity.startswith("service:"))
    return [Series(d.entity, d.signal, d.times, d.values) for d in network]


def network_up_from(events: Sequence[Event]) -> Callable[[str, int], bool]:
    """``network_up(entity, time)``: False while a network event of that entity is going on."""
    spans: dict[str, list[tuple[int, int | None]]] = {}
    for event in events:
        if not event.is_service:
            spans.setdefault(event.entity, []).append((event.start, event.end))

    def network_up(entity: str, time: int) -> bool:
        return not any(start <= time and (end is None or time < end) for start, end in spans.get(entity, ()))

    return network_up


def _service_signal(data: Sequence[SeriesData], signal: str) -> dict[str, tuple[IntArray, FloatArray]]:
    """One signal of every service entity, keyed by entity."""
    return {
        d.entity: (d.times, d.values) for d in data if d.signal == signal and d.entity.startswith("service:")
    }


def service_events(data: Sequence[SeriesData], network: Sequence[Event]) -> list[Event]:
    """Service blocking and throttling from the ``reachability`` (and ``throttled``) signals."""
    reach = {
        d.entity: (d.times, d.values)
        for d in data
        if d.signal == "reachability" and d.entity.startswith("service:")
    }
    if not reach:
        return []
    throttled = _service_signal(data, "throttled")
    steps = []
    for times, _ in reach.values():
        try:
            steps.append(infer_step(times))
        except StepError:
            continue
    step = min(steps, default=SERVICE_STEP)
    scopes = {service_scope(entity) for entity in reach}
    info = entity_info(s for s in scopes if s and not s.startswith("country:"))
    names = {k: v.name for k, v in info.items() if not k.startswith("asn:")}
    up = network_up_from(network)
    rest = _service_signal(data, ELSEWHERE)
    found = detect_service_events(reach, up, step, throttled=throttled, place_names=names, elsewhere=rest)
    country_of = {k: v.parent for k, v in info.items()}
    horizon = max(int(times.max()) + step for times, _ in reach.values())
    return group_by_place(nest_services(found, country_of, horizon), names, horizon)


def detect_in_store(
    store: SignalStore,
    entities: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    config: DetectorConfig | None = None,
    cluster: ClusterSpec | None = None,
    progress: Progress | None = None,
) -> Detection:
    """Detect over the stored series (all, or those of ``entities``) without writing anything.

    Network entities go through the detector — in this process, or partitioned on the Dask
    ``cluster`` when one is given (same events; see :mod:`netvigil.pipeline.detect_many`); service
    entities (``service:…``) through the service detector, which needs to know when their network
    was down.
    """
    config = config or DetectorConfig()
    if cluster is None:
        data = list(store.read_series(entities, None, since, until))
        series = _network_series(data)
        found = detect(series, entity_info({s.entity for s in series}), config)
    else:
        stored = sorted({s.entity for s in store.list_series(entities)})
        network = [e for e in stored if not e.startswith("service:")]
        info = entity_info(network)
        raw = detect_partitioned(store, network, info, cluster, since, until, config, progress)
        found = finished(raw, info, config)
        services = [e for e in stored if e.startswith("service:")]
        data = list(store.read_series(services, None, since, until)) if services else []
    services_found = service_events(data, found.events)
    if not services_found:
        return found
    events = sorted([*found.events, *services_found], key=lambda e: (e.start, e.entity))
    return replace(found, events=events)


def run_detection(
    store: Store,
    entities: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    config: DetectorConfig | None = None,
    cluster: ClusterSpec | None = None,
    progress: Progress | None = None,
) -> list[Event]:
    """Detect over the store and replace the stored events of the analysed entities with the result."""
    found = detect_in_store(store, entities, since, until, config, cluster, progress)
    found = replace(found, events=with_vantage_points(store, found.events))
    analysed = sorted(set(entities or ()) | {s.entity for s in store.list_series(entities)})
    store.replace_events(found.events, analysed)
    return found.events


def too_little_history(
    store: SignalStore, entities: Sequence[str] | None = None, config: DetectorConfig | None = None
) -> list[TooLittleHistory]:
    """The stored series the detector cannot judge yet, each with when it will be judgeable.

    A series is judged against its baseline, which needs ``min_history_days`` days of history
    (:func:`netvigil.detect.baseline.judgeable_from`); one whose points do not reach that far yet
    can hold no event, so ``netvigil detect`` and the API say so instead of an empty result.
    Service series (judged by reachability, not a baseline) and context signals are left out.
    """
    config = config or DetectorConfig()
    waiting: list[TooLittleHistory] = []
    for info in store.list_series(entities):
        if info.entity.startswith("service:") or config.rule(info.signal).warning <= 0:
            continue
        ready = judgeable_from(info.first, config)
        if info.last < ready:
            waiting.append(TooLittleHistory(info.entity, info.signal, info.first, info.last, ready))
    return sorted(waiting, key=lambda w: (w.entity, w.signal))


def too_little_history_served(
    store: Store, entities: Sequence[str] | None = None, config: DetectorConfig | None = None
) -> list[TooLittleHistory]:
    """:func:`too_little_history` for a page: the roll-ups settle the old series, raw points the rest.

    A series whose daily roll-ups already span more than ``min_history_days`` + 1 days is surely
    judgeable (its first point is in its first day, its last in its last), so only younger ones
    are looked up exactly; on a store of long series that is none, and a page reads no raw
    points. Roll-ups lag a write until they are refreshed, as every served view does.
    """
    config = config or DetectorConfig()
    settled = (max(1, config.min_history_days) + 1) * DAY
    spans = store.rollups.day_spans(entities)
    young = sorted({entity for (entity, _), (first, last) in spans.items() if last - first < settled})
    return too_little_history(store, young, config) if young else []
