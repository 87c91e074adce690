"""Routing visibility per entity, IODA's method, kept up to date route by route.

A *full-feed* peer is one routing more than ``full_feed_v4`` IPv4 prefixes (400k by default) or
``full_feed_v6`` IPv6 prefixes. A prefix is *visible* when more than half of the full-feed peers of
its address family route it. Per bin (300 s by default) and per entity the aggregator reports:

- ``bgp``: routed /24 equivalents of the visible IPv4 prefixes (a /16 counts 256);
- ``bgp6``: routed /48 equivalents of the visible IPv6 prefixes;
- ``bgp_updates``: announcements plus withdrawals seen in the bin, from any peer.

Bins without any input are written (the table still holds) up to ``max_silence`` seconds; a
longer silence (two archives days apart) is left as a gap, not filled.

The routing table is built once (a RIB snapshot, then updates applied one by one): each route
change moves a per-prefix peer count and, when that crosses the majority line, the entity sums.
Only a change in the set of full-feed peers recounts the prefixes. Overlapping prefixes of one
entity are added, not merged (a visible /16 and a visible /24 inside it count 257): the signal is
compared with its own past, so a constant overlap does not move it. Each point's ``source`` is
``bgp:<input>:map=<mapping>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from netvigil.geo.routing import slash24_equivalents
from netvigil.model.routes import Announce, PeerKey, PeerState, RibEntries, Route, Withdraw
from netvigil.model.signals import SignalPoint

EntityMap = Callable[[str, int | None], tuple[str, ...]]

ROUTE: Final = 0
UNROUTE: Final = 1
DOWN: Final = 2
NO_ORIGIN: Final = -1
"""The kinds of table change :meth:`VisibilityAggregator.replay` takes, and its "no origin AS"."""


@dataclass(frozen=True, slots=True)
class VisibilityConfig:
    """Settings of the visibility signal (see the module docstring)."""

    step: int = 300
    full_feed_v4: int = 400_000
    full_feed_v6: int = 100_000
    max_silence: int = 3600


class _Peer:
    """One peer's routes: a byte per prefix id (1 = routed), and counts per family."""

    __slots__ = ("full", "n4", "n6", "routes")

    def __init__(self) -> None:
        self.routes = bytearray()
        self.n4 = 0
        self.n6 = 0
        self.full = False


class _Prefixes:
    """Every prefix seen, by dense id: text, family, size, origin, entities, peer count, visible."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.text: list[str] = []
        self.v6 = bytearray()
        self.size: list[float] = []
        self.origin: list[int | None] = []
        self.entities: list[tuple[str, ...]] = []
        self.count: list[int] = []
        self.visible = bytearray()

    def add(self, prefix: str) -> int:
        """The id of a prefix, new ones appended."""
        pid = len(self.text)
        self.ids[prefix] = pid
        v6, size = slash24_equivalents(prefix)
        self.text.append(prefix)
        self.v6.append(v6)
        self.size.append(size)
        self.origin.append(None)
        self.entities.append(())
        self.count.append(0)
        self.visible.append(0)
        return pid


class VisibilityAggregator:
    """Feed it routes in time order; it returns the points of each bin as the bin closes.

    It is a :class:`~netvigil.model.routes.RouteSink`: each kind of route has its method, which
    ``route.apply(aggregator)`` calls (:meth:`feed` does that for a stream).
    """

    def __init__(self, mapper: EntityMap, source: str, config: VisibilityConfig | None = None) -> None:
        self.config = config or VisibilityConfig()
        self.mapper = mapper
        self.source = source
        self.peers: dict[PeerKey, _Peer] = {}
        self.prefixes = _Prefixes()
        self.sums: tuple[dict[str, float], dict[str, float]] = (defaultdict(float), defaultdict(float))
        self.updates: dict[str, int] = defaultdict(int)
        self.known: tuple[set[str], set[str]] = (set(), set())
        self.full_counts = [0, 0]
        self.bin: int | None = None

    # -- input: the route stream (netvigil.model.routes) ----------------------------------------

    def feed(self, routes: Iterable[Route]) -> Iterator[list[SignalPoint]]:
        """Apply routes in time order; yield the points of each bin they close."""
        for route in routes:
            out = route.apply(self)
            if out:
                yield out

    def seed(self, routes: Iterable[Route]) -> None:
        """Load a table to start from (a RIB snapshot, maybe with the updates after it), writing no bin.

        The routes are applied as :meth:`feed` would, then the bins they opened and the updates
        they counted are dropped: the first bin of the input that follows (a live stream) already
        counts every prefix of the table, and its ``bgp_updates`` only what it brought itself.
        """
        for route in routes:
            route.apply(self)
        self.bin = None
        self.updates = defaultdict(int)

    def announce(self, route: Announce) -> list[SignalPoint]:
        """A peer routes prefixes (originated by ``route.origin``); each counts as an update."""
        out = self._advance(route.time)
        state = self._peer(route.peer)
        origin = route.origin
        entities = self.prefixes.entities
        updates = self.updates
        for prefix in route.prefixes:
            pid = self._prefix_id(prefix)
            self._route(pid, state, origin)
            for entity in entities[pid]:
                updates[entity] += 1
        return out

    def rib_entries(self, route: RibEntries) -> list[SignalPoint]:
        """One prefix of a RIB snapshot: each peer routes it, with its origin AS; not updates."""
        out = self._advance(route.time)
        pid = self._prefix_id(route.prefix)
        state_of = self._peer
        for peer, origin in zip(route.peers, route.origins, strict=True):
            self._route(pid, state_of(peer), origin)
        return out

    def withdraw(self, route: Withdraw) -> list[SignalPoint]:
        """A peer no longer routes prefixes; each counts as an update."""
        out = self._advance(route.time)
        state = self.peers.get(route.peer)
        entities = self.prefixes.entities
        updates = self.updates
        for prefix in route.prefixes:
            pid = self._unroute(state, prefix)
            for entity in entities[pid]:
                updates[entity] += 1
        return out

    def peer_state(self, route: PeerState) -> list[SignalPoint]:
        """A session that went down takes every route of the peer; other changes change nothing."""
        if not route.down:
            return []
        out = self._advance(route.time)
        self.peer_down(route.peer)
        return out

    # -- input: a file's partial, merged (netvigil.sources.bgp_partial) --------------------------
    # The same state changes as the route methods above, without their bin and update bookkeeping:
    # a merge opens bins with :meth:`advance` and adds the update counts a worker made.

    def advance(self, time: int) -> list[SignalPoint]:
        """Move to the bin holding ``time`` (never back); the points of the bins that closes."""
        return self._advance(time)

    def peer_down(self, peer: PeerKey) -> None:
        """Every route of ``peer`` is gone (its session left Established)."""
        state = self.peers.get(peer)
        if state is not None:
            for pid, routed in enumerate(state.routes):
                if routed:
                    self._drop(state, pid)

    def replay(
        self, peers: Sequence[PeerKey], prefixes: Sequence[str], ops: Sequence[int], origins: Sequence[int]
    ) -> None:
        """Apply table changes in order: ``ops`` holds (kind, peer index, prefix index) triples.

        Kinds are :data:`ROUTE` (with ``origins[i]``, :data:`NO_ORIGIN` for none), :data:`UNROUTE`
        and :data:`DOWN` (the peer's session went down). The same state changes, in the same order,
        as the announcements, withdrawals and session changes they stand for.
        """
        states: list[_Peer | None] = [None] * len(peers)
        pids = [-1] * len(prefixes)
        route = self._route
        for i in range(len(origins)):
            kind, peer, index = ops[3 * i], ops[3 * i + 1], ops[3 * i + 2]
            if kind == ROUTE:
                pid = pids[index]
                if pid < 0:
                    pid = pids[index] = self._prefix_id(prefixes[index])
                state = states[peer]
                if state is None:
                    state = states[peer] = self._peer(peers[peer])
                origin = origins[i]
                route(pid, state, None if origin == NO_ORIGIN else origin)
            elif kind == UNROUTE:
                self._unroute(self.peers.get(peers[peer]), prefixes[index])
            else:
                self.peer_down(peers[peer])

    def entities_now(self, prefix: str) -> tuple[str, ...]:
        """The entities a withdrawal of ``prefix`` counts for now (an unseen prefix maps without origin)."""
        pid = self.prefixes.ids.get(prefix)
        return self.mapper(prefix, None) if pid is None else self.prefixes.entities[pid]

    def count_updates(self, counts: dict[str, int]) -> None:
        """Add update counts (entity → announcements plus withdrawals) to the open bin."""
        updates = self.updates
        for entity, count in counts.items():
            updates[entity] += count

    def flush(self) -> list[SignalPoint]:
        """Close the open bin (at the end of the input)."""
        if self.bin is None:
            return []
        points = self._close(self.bin)
        self.bin = None
        return points

    # -- state ---------------------------------------------------------------------------------

    def _prefix_id(self, prefix: str) -> int:
        pid = self.prefixes.ids.get(prefix)
        return self.prefixes.add(prefix) if pid is None else pid

    def _route(self, pid: int, state: _Peer, origin: int | None) -> None:
        """Count the route of one peer to a prefix (no-op when the peer already routes it)."""
        if origin != self.prefixes.origin[pid] or not self.prefixes.entities[pid]:
            self._set_origin(pid, origin)
        routes = state.routes
        if len(routes) <= pid:
            routes.extend(bytes(pid + 1 - len(routes) + 1024))
        if not routes[pid]:
            routes[pid] = 1
            if self.prefixes.v6[pid]:
                state.n6 += 1
            else:
                state.n4 += 1
            if state.full:
                self._count(pid, 1)

    def _unroute(self, state: _Peer | None, prefix: str) -> int:
        """Withdraw ``prefix`` from a peer (None: never seen); its id (a new prefix maps without origin)."""
        prefixes = self.prefixes
        pid = prefixes.ids.get(prefix)
        if pid is None:
            pid = prefixes.add(prefix)
            self._set_origin(pid, None)
        if state is not None and pid < len(state.routes) and state.routes[pid]:
            self._drop(state, pid)
        return pid

    def _peer(self, peer: PeerKey) -> _Peer:
        state = self.peers.get(peer)
        if state is None:
            state = self.peers[peer] = _Peer()
        return state

    def _drop(self, state: _Peer, pid: int) -> None:
        state.routes[pid] = 0
        if self.prefixes.v6[pid]:
            state.n6 -= 1
        else:
            state.n4 -= 1
        if state.full:
            self._count(pid, -1)

    def _count(self, pid: int, delta: int) -> None:
        """Move a prefix's full-feed peer count; update entity sums when it crosses the majority."""
        p = self.prefixes
        p.count[pid] += delta
        family = p.v6[pid]
        now = 2 * p.count[pid] > self.full_counts[family] > 0
        if now != bool(p.visible[pid]):
            p.visible[pid] = now
            sign = 1.0 if now else -1.0
            sums = self.sums[family]
            for entity in p.entities[pid]:
                sums[entity] += sign * p.size[pid]

    def _set_origin(self, pid: int, origin: int | None) -> None:
        """Map a prefix to its entities (again, when its origin AS changes)."""
        p = self.prefixes
        entities = self.mapper(p.text[pid], origin)
        family = p.v6[pid]
        if p.visible[pid]:
            sums = self.sums[family]
            for entity in p.entities[pid]:
                sums[entity] -= p.size[pid]
            for entity in entities:
                sums[entity] += p.size[pid]
        p.origin[pid] = origin
        p.entities[pid] = entities
        self.known[family].update(entities)

    def _refresh_full_feed(self) -> None:
        """Re-decide which peers are full-feed; on a change, recount every prefix."""
        cfg = self.config
        changed = False
        for state in self.peers.values():
            full = state.n4 > cfg.full_feed_v4 or state.n6 > cfg.full_feed_v6
            if full != state.full:
                state.full = full
                changed = True
        if changed:
            self._recount()

    def _recount(self) -> None:
        p = self.prefixes
        full = [s for s in self.peers.values() if s.full]
        self.full_counts = [
            sum(1 for s in full if s.n4 > self.config.full_feed_v4),
            sum(1 for s in full if s.n6 > self.config.full_feed_v6),
        ]
        n = len(p.text)
        counts = np.zeros(n, dtype=np.int32)
        for state in full:
            routed = np.frombuffer(bytes(state.routes[:n]), dtype=np.uint8)
            counts[: len(routed)] += routed
        v6 = np.frombuffer(bytes(p.v6), dtype=np.uint8).astype(bool)
        need = np.where(v6, self.full_counts[1], self.full_counts[0])
        visible = (2 * counts > need) & (need > 0)
        p.count = counts.tolist()
        p.visible = bytearray(visible.astype(np.uint8).tobytes())
        self.sums = (defaultdict(float), defaultdict(float))
        for pid in np.flatnonzero(visible).tolist():
            sums = self.sums[p.v6[pid]]
            for entity in p.entities[pid]:
                sums[entity] += p.size[pid]

    # -- bins ----------------------------------------------------------------------------------

    def _advance(self, time: int) -> list[SignalPoint]:
        """Close every bin that ends at or before ``time``."""
        start = time - time % self.config.step
        if self.bin is None:
            self.bin = start
            return []
        if start <= self.bin:
            return []
        out = self._close(self.bin)
        if start - self.bin <= self.config.max_silence:
            for quiet in range(self.bin + self.config.step, start, self.config.step):
                out.extend(self._close(quiet))
        self.bin = start
        return out

    def _close(self, start: int) -> list[SignalPoint]:
        """The points of one bin: routing state at its end, updates during it."""
        self._refresh_full_feed()
        source = self.source
        out: list[SignalPoint] = []
        for family, signal in ((0, "bgp"), (1, "bgp6")):
            if self.full_counts[family] == 0:
                continue
            sums = self.sums[family]
            out.extend(
                SignalPoint(start, e, signal, max(0.0, round(sums.get(e, 0.0), 6)), source)
                for e in sorted(self.known[family])
            )
        known = self.known[0] | self.known[1]
        updates = self.updates
        out.extend(
            SignalPoint(start, e, "bgp_updates", float(updates.get(e, 0)), source) for e in sorted(known)
        )
        self.updates = defaultdict(int)
        return out
