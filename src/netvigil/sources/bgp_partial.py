"""One file's share of the visibility signals, made alone and merged in order: exact, not approximate.

Backfill reads many archive files at once on other processes, but the visibility signals carry
state from file to file (the routing table, each prefix's origin, the bin that is open), so a
file cannot be turned into points on its own. :func:`partial_of` reads one file's route stream
against an *empty* table and keeps, per bin it opens (a *segment*):

- the table changes in order — routes, withdrawals and peers going down — without the
  announcements that change nothing (the peer already routes the prefix with that origin, as
  this file itself showed earlier): most of an update file re-announces with a new path;
- the update counts per entity that the file alone can tell (announcements, and withdrawals of
  prefixes this file announced before), and, per prefix, the withdrawals that depend on the
  table before the file (their entities come from an origin an earlier file set);
- the entities of every (prefix, origin) the changes use, so the merge needs no mapping work.

:func:`merge_partial` applies a partial to the one :class:`VisibilityAggregator` of the run: it
resolves the withdrawals against the table as it stands at the file's start, then, per segment,
opens its bin (closing earlier bins as reading the file would), adds the counts and replays the
table changes through the aggregator's own methods. The aggregator therefore does the same
floating-point operations in the same order as when it reads the files itself (a dropped
announcement does none), so the points are equal bit for bit, with 1 worker or N.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from netvigil.model.routes import Announce, PeerKey, PeerState, RibEntries, Route, Withdraw
from netvigil.model.signals import SignalPoint
from netvigil.sources.bgp_visibility import (
    DOWN,
    NO_ORIGIN,
    ROUTE,
    UNROUTE,
    EntityMap,
    VisibilityAggregator,
)

PARTIAL_VERSION: Final = 2
"""Bumped when the partial's layout or meaning changes (saved partials of another version are redone)."""


@dataclass(slots=True)
class Segment:
    """What a file did while one bin was open: table changes, update counts, withdrawals to resolve.

    ``ops`` is flat, three 32-bit numbers per change: kind (ROUTE, UNROUTE, DOWN), peer index,
    prefix index; ``origins`` has the change's origin AS (NO_ORIGIN for none). ``unresolved``
    counts, per prefix index, withdrawals whose entities depend on the table before the file.
    """

    bin: int
    ops: array[int] = field(default_factory=lambda: array("i"))
    origins: array[int] = field(default_factory=lambda: array("q"))
    updates: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unresolved: dict[int, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(slots=True)
class FilePartial:
    """A file's share: its segments in order, the names they index, the entities of each (prefix, origin)."""

    step: int
    peers: list[PeerKey] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    entities: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        """How many table changes the merge replays."""
        return sum(len(s.origins) for s in self.segments)


class _PartialBuilder:
    """A :class:`~netvigil.model.routes.RouteSink` that writes a :class:`FilePartial`."""

    def __init__(self, mapper: EntityMap, step: int) -> None:
        self.mapper = mapper
        self.partial = FilePartial(step)
        self.peer_ids: dict[PeerKey, int] = {}
        self.prefix_ids: dict[str, int] = {}
        self.origin: dict[int, int] = {}
        self.routed: dict[int, set[int]] = defaultdict(set)
        self.segment: Segment | None = None

    def announce(self, route: Announce) -> None:
        seg = self._open(route.time)
        peer = self._peer(route.peer)
        origin = NO_ORIGIN if route.origin is None else route.origin
        entities = self._entities
        updates = seg.updates
        for prefix in route.prefixes:
            pid = self._prefix(prefix)
            for entity in entities(pid, origin):
                updates[entity] += 1
            self._route(seg, peer, pid, origin)

    def rib_entries(self, route: RibEntries) -> None:
        seg = self._open(route.time)
        pid = self._prefix(route.prefix)
        for peer, origin in zip(route.peers, route.origins, strict=True):
            code = NO_ORIGIN if origin is None else origin
            self._entities(pid, code)
            self._route(seg, self._peer(peer), pid, code)

    def withdraw(self, route: Withdraw) -> None:
        seg = self._open(route.time)
        peer = self._peer(route.peer)
        routed = self.routed[peer]
        for prefix in route.prefixes:
            pid = self._prefix(prefix)
            origin = self.origin.get(pid)
            if origin is None:
                seg.unresolved[pid] += 1
                self._entities(pid, NO_ORIGIN)
            else:
                for entity in self._entities(pid, origin):
                    seg.updates[entity] += 1
            routed.discard(pid)
            seg.ops.extend((UNROUTE, peer, pid))
            seg.origins.append(NO_ORIGIN)

    def peer_state(self, route: PeerState) -> None:
        if not route.down:
            return
        seg = self._open(route.time)
        peer = self._peer(route.peer)
        self.routed[peer].clear()
        seg.ops.extend((DOWN, peer, 0))
        seg.origins.append(NO_ORIGIN)

    def _route(self, seg: Segment, peer: int, pid: int, origin: int) -> None:
        """Record a route unless this file already showed the peer routing the prefix with this origin."""
        routed = self.routed[peer]
        if pid in routed and self.origin.get(pid) == origin:
            return
        routed.add(pid)
        self.origin[pid] = origin
        seg.ops.extend((ROUTE, peer, pid))
        seg.origins.append(origin)

    def _open(self, time: int) -> Segment:
        """The segment of the bin ``time`` falls in (the open one when the time goes back)."""
        start = time - time % self.partial.step
        seg = self.segment
        if seg is None or start > seg.bin:
            seg = self.segment = Segment(start)
            self.partial.segments.append(seg)
        return seg

    def _peer(self, peer: PeerKey) -> int:
        index = self.peer_ids.get(peer)
        if index is None:
            index = self.peer_ids[peer] = len(self.partial.peers)
            self.partial.peers.append(peer)
        return index

    def _prefix(self, prefix: str) -> int:
        index = self.prefix_ids.get(prefix)
        if index is None:
            index = self.prefix_ids[prefix] = len(self.partial.prefixes)
            self.partial.prefixes.append(prefix)
        return index

    def _entities(self, pid: int, origin: int) -> tuple[str, ...]:
        """The entities of a prefix with an origin, mapped once per file and kept for the merge."""
        key = (pid, origin)
        found = self.partial.entities.get(key)
        if found is None:
            found = self.partial.entities[key] = self.mapper(
                self.partial.prefixes[pid], None if origin == NO_ORIGIN else origin
            )
        return found


def partial_of(routes: Iterable[Route], mapper: EntityMap, step: int) -> FilePartial:
    """Read one file's route stream (in its order) into its partial; see the module docstring."""
    builder = _PartialBuilder(mapper, step)
    for route in routes:
        route.apply(builder)
    for seg in builder.partial.segments:
        seg.updates = dict(seg.updates)
        seg.unresolved = dict(seg.unresolved)
    return builder.partial


class PartialMapper:
    """The mapper of a merging aggregator: the entities the partials carry, else the real mapper."""

    def __init__(self, fallback: EntityMap) -> None:
        self.fallback = fallback
        self.known: dict[tuple[str, int | None], tuple[str, ...]] = {}

    def learn(self, partial: FilePartial) -> None:
        """Take the entities a partial mapped."""
        prefixes = partial.prefixes
        for (pid, origin), entities in partial.entities.items():
            self.known[(prefixes[pid], None if origin == NO_ORIGIN else origin)] = entities

    def __call__(self, prefix: str, origin: int | None) -> tuple[str, ...]:
        """The entities of ``prefix`` originated by ``origin``."""
        found = self.known.get((prefix, origin))
        return self.fallback(prefix, origin) if found is None else found


def merge_partial(agg: VisibilityAggregator, partial: FilePartial) -> list[SignalPoint]:
    """Apply the next file's partial to the run's aggregator; the points of the bins it closes.

    The aggregator's mapper should be a :class:`PartialMapper` that has learnt the partial.
    """
    resolved = _resolve_withdrawals(agg, partial)
    out: list[SignalPoint] = []
    for seg, counts in zip(partial.segments, resolved, strict=True):
        out.extend(agg.advance(seg.bin))
        agg.count_updates(seg.updates)
        agg.count_updates(counts)
        agg.replay(partial.peers, partial.prefixes, seg.ops, seg.origins)
    return out


def _resolve_withdrawals(agg: VisibilityAggregator, partial: FilePartial) -> list[dict[str, int]]:
    """Per segment, the update counts of the withdrawals whose entities the table before the file gives."""
    entities_now: Callable[[str], tuple[str, ...]] = agg.entities_now
    out: list[dict[str, int]] = []
    for seg in partial.segments:
        counts: dict[str, int] = defaultdict(int)
        for pid, count in seg.unresolved.items():
            for entity in entities_now(partial.prefixes[pid]):
                counts[entity] += count
        out.append(counts)
    return out
