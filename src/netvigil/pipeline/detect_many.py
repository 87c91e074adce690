"""Batch detection over many entities, partitioned on Dask: the same events as one process.

An entity's events depend on its own series alone; only the hierarchy (a country's event against
its regions and networks) looks across entities, and it works on the per-entity events. So the
client groups the entities by country subtree (a country with its regions and networks; an
entity without a country on its own), balances the groups over partitions by stored points,
reads each partition's series from the store and ships them to a worker — workers never open the
store (an embedded DuckDB or chdb store belongs to one process) — and each worker returns the
partition's per-entity events. The client merges them in entity order and applies the hierarchy
once over all of them, exactly as the single-process path does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import RawDetection, Series, detect_raw, merge_raw
from netvigil.detect.hierarchy import EntityInfo
from netvigil.pipeline.cluster import ClusterSpec, connect, run_tasks
from netvigil.store.protocol import SignalStore

PARTITIONS_PER_SLOT: Final = 4
"""Partitions per running task slot: enough that a large country does not leave a worker idle."""

Progress = Callable[[int, int], None]
"""Told ``(partitions done, partitions in all)`` as partitions finish."""


@dataclass(frozen=True, slots=True)
class PartitionTask:
    """One partition's work as shipped to a worker: its series, its entities' names, the settings."""

    index: int
    run: str
    series: list[Series]
    info: dict[str, EntityInfo]
    config: DetectorConfig


def detect_partition(task: PartitionTask) -> RawDetection:
    """A Dask task: the per-entity events of one partition."""
    return detect_raw(task.series, task.info, task.config)


def subtree_of(entity: str, info: Mapping[str, EntityInfo]) -> str:
    """The country an entity belongs to (itself for a country or an entity without one)."""
    parent = info[entity].parent if entity in info else None
    return parent if parent is not None and not entity.startswith("country:") else entity


def partition_entities(
    points: Mapping[str, int], info: Mapping[str, EntityInfo], parts: int
) -> list[list[str]]:
    """Entities in at most ``parts`` partitions of whole country subtrees, balanced by points.

    Deterministic: the heaviest subtree first, each to the lightest partition so far.
    """
    subtrees: dict[str, list[str]] = {}
    for entity in sorted(points):
        subtrees.setdefault(subtree_of(entity, info), []).append(entity)
    weight = {root: sum(points[e] for e in members) for root, members in subtrees.items()}
    partitions: list[list[str]] = [[] for _ in range(max(1, min(parts, len(subtrees))))]
    loads = [0] * len(partitions)
    for root in sorted(subtrees, key=lambda r: (-weight[r], r)):
        lightest = loads.index(min(loads))
        partitions[lightest].extend(subtrees[root])
        loads[lightest] += weight[root]
    return [sorted(p) for p in partitions if p]


def detect_partitioned(
    store: SignalStore,
    entities: Sequence[str],
    info: Mapping[str, EntityInfo],
    spec: ClusterSpec,
    since: int | None = None,
    until: int | None = None,
    config: DetectorConfig | None = None,
    progress: Progress | None = None,
) -> RawDetection:
    """Per-entity events of ``entities`` (network entities with stored series) detected on Dask."""
    config = config or DetectorConfig()
    points: dict[str, int] = {}
    for stored in store.list_series(entities):
        points[stored.entity] = points.get(stored.entity, 0) + stored.points
    run = uuid.uuid4().hex[:12]
    with connect(spec) as client:
        partitions = partition_entities(points, info, PARTITIONS_PER_SLOT * spec.slots(client))

        def tasks() -> Iterator[PartitionTask]:
            for index, members in enumerate(partitions):
                series = [
                    Series(d.entity, d.signal, d.times, d.values)
                    for d in store.read_series(members, None, since, until)
                ]
                yield PartitionTask(index, run, series, {e: info[e] for e in members if e in info}, config)

        parts: list[RawDetection] = []
        for _, found in run_tasks(
            client, spec, detect_partition, tasks(), name=lambda t: f"detect-{t.run}-{t.index}"
        ):
            parts.append(found)
            if progress is not None:
                progress(len(parts), len(partitions))
    return merge_raw(parts)
