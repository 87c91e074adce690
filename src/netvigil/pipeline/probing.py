"""Wires the block prober to the store: rounds of Trinocular inference become observations and signals.

Every round, each block's verdict is compared with its previous one; changes are stored as
:class:`~netvigil.model.probing.BlockChange` observations (table ``probe_changes``) and the ``probe``
signal of each entity (blocks up) is written at the round's start time. :func:`resample` holds
round counts on a regular grid (the demo's replay of simulated blocks uses it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from netvigil.geo.blocks import country_of_block
from netvigil.geo.entities import default_registry
from netvigil.model.errors import EntityParseError, InputError, UnknownEntityError
from netvigil.model.probing import BlockChange, BlockRound, BlockState
from netvigil.model.signals import SignalPoint
from netvigil.probe.hitlist import HitlistBlock, Network
from netvigil.probe.icmp import IcmpTransport, SocketKind
from netvigil.probe.scan import scan_blocks
from netvigil.probe.transport import Transport
from netvigil.probe.trinocular import Prober, ProberConfig
from netvigil.store.protocol import Store

SIGNAL: Final = "probe"

RoundSink = Callable[[list[BlockRound]], None]


def entities_of(blocks: Sequence[HitlistBlock], default: str | None = None) -> dict[str, tuple[str, ...]]:
    """For each block the entities it counts for: its own (column, ``default`` or geo) and their parents.

    A block with no entity column, no ``default`` and no country in the geo table is an error that
    names it, since a prober that counts blocks for nobody is silently useless.
    """
    mapping: dict[str, tuple[str, ...]] = {}
    for block in blocks:
        own = block.entity or default
        if own is None:
            country = country_of_block(block.block)
            if country is None:
                raise InputError(
                    f"block {block.block} has no country in the geo table; "
                    "give it an entity column in the hitlist or pass --entity (e.g. --entity asn:64500)"
                )
            own = f"country:{country}"
        mapping[block.block] = _with_parent(own)
    return mapping


def _with_parent(entity: str) -> tuple[str, ...]:
    try:
        parent = default_registry().parent(entity)
    except (UnknownEntityError, EntityParseError):
        parent = None
    return (entity, parent) if parent else (entity,)


@dataclass(slots=True)
class RoundWriter:
    """Turns rounds into stored observations (state changes) and ``probe`` signal points."""

    store: Store
    entities: dict[str, tuple[str, ...]]
    vantage: str
    write_signals: bool = True
    previous: dict[str, BlockState] = field(default_factory=dict)
    changes: int = 0

    def __call__(self, verdicts: list[BlockRound]) -> None:
        """Store the changes of one round and its per-entity count of blocks up."""
        changes = [self._change(v) for v in verdicts if self.previous.get(v.block) != v.state]
        for verdict in verdicts:
            self.previous[verdict.block] = verdict.state
        self.changes += self.store.probe_changes.write(changes)
        if self.write_signals and verdicts:
            self.store.write_signals(signal_points(verdicts, self.entities, verdicts[0].time))

    def _change(self, verdict: BlockRound) -> BlockChange:
        return BlockChange(
            verdict.time,
            verdict.block,
            self.entities[verdict.block][0],
            self.previous.get(verdict.block),
            verdict.state,
            round(verdict.belief, 4),
            verdict.probes,
            verdict.round,
            self.vantage,
        )


def blocks_up(verdicts: Sequence[BlockRound], entities: dict[str, tuple[str, ...]]) -> Counter[str]:
    """How many blocks each entity has up in one round (entities with none up count 0)."""
    counts: Counter[str] = Counter({e: 0 for names in entities.values() for e in names})
    for verdict in verdicts:
        if verdict.state == "up":
            counts.update(entities[verdict.block])
    return counts


def signal_points(
    verdicts: Sequence[BlockRound], entities: dict[str, tuple[str, ...]], time: int
) -> list[SignalPoint]:
    """The ``probe`` signal of one round: blocks up per entity at ``time``."""
    counts = blocks_up(verdicts, entities)
    return [SignalPoint(time, e, SIGNAL, float(n), "prober") for e, n in sorted(counts.items())]


async def run_rounds(prober: Prober, rounds: int | None, sinks: Sequence[RoundSink]) -> int:
    """Run ``rounds`` rounds (forever when ``None``), handing each round's verdicts to every sink."""
    done = 0
    while rounds is None or done < rounds:
        verdicts = await prober.run_round()
        for sink in sinks:
            sink(verdicts)
        done += 1
    return done


async def probe_hitlist(
    store: Store,
    blocks: Sequence[HitlistBlock],
    config: ProberConfig,
    *,
    rounds: int | None,
    timeout: float = 3.0,
    entity: str | None = None,
    vantage: str = "local",
    sinks: Sequence[RoundSink] = (),
    kind: SocketKind | None = None,
    transport: Transport | None = None,
) -> RoundWriter:
    """Probe hitlist blocks for ``rounds`` rounds, storing changes and signals; returns the writer.

    Without a ``transport`` this opens real ICMP sockets (raw as root, else datagram) for the
    families the blocks need, and closes them afterwards.
    """
    previous = store.probe_changes.latest_states(vantage)
    writer = RoundWriter(store, entities_of(blocks, entity), vantage, previous=previous)
    if transport is not None:
        await run_rounds(Prober(blocks, transport, config), rounds, [writer, *sinks])
        return writer
    icmp = IcmpTransport(timeout=timeout, kind=kind)
    icmp.open(tuple(sorted({6 if ":" in b.block else 4 for b in blocks})))
    try:
        await run_rounds(Prober(blocks, icmp, config), rounds, [writer, *sinks])
    finally:
        icmp.close()
    return writer


async def build_hitlist(
    networks: Sequence[Network],
    *,
    rate: float,
    passes: int,
    timeout: float,
    entity: str | None = None,
    tick: Callable[[int], None] | None = None,
) -> list[HitlistBlock]:
    """Scan ``networks`` over real ICMP and return hitlist entries for the blocks that answered."""
    transport = IcmpTransport(timeout=timeout)
    transport.open(tuple(sorted({n.version for n in networks})))
    try:
        return await scan_blocks(networks, transport, rate=rate, passes=passes, entity=entity, tick=tick)
    finally:
        transport.close()


def resample(
    rounds: Sequence[tuple[int, Counter[str]]], start: int, end: int, step: int
) -> list[SignalPoint]:
    """Round counts onto a regular grid: each bin holds the last round that began at or before it."""
    points: list[SignalPoint] = []
    cursor = 0
    for time in range(start, end, step):
        while cursor + 1 < len(rounds) and rounds[cursor + 1][0] <= time:
            cursor += 1
        stamp, counts = rounds[cursor]
        if stamp > time:
            continue
        points.extend(SignalPoint(time, e, SIGNAL, float(n), "prober-sim") for e, n in counts.items())
    return points
