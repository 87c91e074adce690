"""Run the detector over what the store holds and keep the events it finds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import Detection, Series, detect
from netvigil.detect.hierarchy import EntityInfo
from netvigil.geo.entities import default_registry
from netvigil.model.entities import EntityParseError
from netvigil.model.errors import UnknownEntityError
from netvigil.model.events import Event
from netvigil.store.base import SeriesData, Store


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


def _series(data: Iterable[SeriesData]) -> list[Series]:
    network = (d for d in data if not d.entity.startswith("service:"))
    return [Series(d.entity, d.signal, d.times, d.values) for d in network]


def detect_in_store(
    store: Store,
    entities: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    config: DetectorConfig | None = None,
) -> Detection:
    """Detect over the stored series (all, or those of ``entities``) without writing anything."""
    series = _series(store.read_series(entities, None, since, until))
    return detect(series, entity_info({s.entity for s in series}), config)


def run_detection(
    store: Store,
    entities: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    config: DetectorConfig | None = None,
) -> list[Event]:
    """Detect over the store and replace the stored events of the analysed entities with the result."""
    found = detect_in_store(store, entities, since, until, config)
    analysed = sorted(set(entities or ()) | {s.entity for s in store.list_series(entities)})
    store.replace_events(found.events, analysed)
    return found.events
