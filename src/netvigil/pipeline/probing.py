"""Wires the block prober to the store: rounds of Trinocular inference become observations and signals.

Every round, each block's verdict is compared with its previous one; changes are stored as
:class:`~netvigil.model.probing.BlockChange` observations (table ``probe_changes``) and the ``probe``
signal of each entity (blocks up) is written at the round's start time. :func:`replay_timeline`
runs the same prober over simulated Kazakh blocks that answer as a scenario's timeline says.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from netvigil.geo.blocks import country_of_block
from netvigil.geo.entities import default_registry
from netvigil.model.errors import EntityParseError, InputError, UnknownEntityError
from netvigil.model.probing import BlockChange, BlockRound, BlockState
from netvigil.model.signals import SignalPoint
from netvigil.model.timeline import Timeline
from netvigil.probe.hitlist import HitlistBlock, Network
from netvigil.probe.icmp import IcmpTransport, SocketKind
from netvigil.probe.scan import scan_blocks
from netvigil.probe.transport import SimulatedTransport, Transport
from netvigil.probe.trinocular import Prober, ProberConfig
from netvigil.store.protocol import Store

SIGNAL: Final = "probe"
REPLAY_STEP: Final = 300
KZ_ASNS: Final = (9198, 29355, 21299, 48503)
KZ_REGIONS: Final = (
    ("KZ-75", 0.22),
    ("KZ-71", 0.14),
    ("KZ-47", 0.04),
    ("KZ-35", 0.12),
    ("KZ-79", 0.10),
    ("KZ-55", 0.08),
    ("KZ-23", 0.08),
    ("KZ-15", 0.08),
    ("KZ-63", 0.14),
)
BLOCKS_PER_ASN: Final = 200
REPLAY_RATE: Final = 2000.0
_GRID: Final = 60

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


# -- the scenario replay ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SimBlock:
    """A simulated block: its hitlist entry, ASN, region and how early it fails as connectivity drops."""

    entry: HitlistBlock
    asn: str
    region: str
    fragility: float


def kz_blocks(rng: random.Random, per_asn: int = BLOCKS_PER_ASN) -> list[SimBlock]:
    """Simulated Kazakh /24s in 100.64.0.0/10 (shared space, never routed), spread over ASNs and regions."""
    regions = [r for r, _ in KZ_REGIONS]
    weights = [w for _, w in KZ_REGIONS]
    made: list[SimBlock] = []
    for index in range(per_asn * len(KZ_ASNS)):
        asn = f"asn:{KZ_ASNS[index % len(KZ_ASNS)]}"
        prefix = f"100.{64 + index // 256}.{index % 256}"
        hosts = sorted(rng.sample(range(1, 255), rng.randint(3, 12)))
        addresses = tuple(f"{prefix}.{host}" for host in hosts)
        entry = HitlistBlock(f"{prefix}.0/24", addresses, round(rng.uniform(0.6, 0.95), 3), asn)
        region = f"region:{rng.choices(regions, weights)[0]}"
        made.append(SimBlock(entry, asn, region, rng.random()))
    return made


@runtime_checkable
class VectorTimeline(Protocol):
    """A timeline that can also evaluate one entity at many times at once (numpy in, numpy out)."""

    def factors(self, entity: str, times: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Connectivity of ``entity`` at each of ``times``."""


class TimelineNetwork:
    """Answers probes as a :class:`Timeline` says: a block is up while its connectivity exceeds its fragility.

    A block's connectivity is its ASN's times its region's relative to the country's (regions the
    timeline does not model follow the country), and an up block answers each probe with its
    availability. Values are taken at each round's start (on a 60-s grid when the timeline can
    evaluate many times at once, which keeps a 17-day replay within seconds).
    """

    def __init__(self, timeline: Timeline, blocks: Sequence[SimBlock], seed: int) -> None:
        self.timeline = timeline
        self.blocks = blocks
        self._modelled = set(timeline.entities())
        self._rng = random.Random(seed)
        self._block_of = {a: i for i, b in enumerate(blocks) for a in b.entry.addresses}
        self._up = [True] * len(blocks)
        self._grid: dict[str, npt.NDArray[np.float64]] = {}
        if isinstance(timeline, VectorTimeline):
            times = np.arange(timeline.start, timeline.end + _GRID, _GRID, dtype=np.int64)
            self._grid = {e: timeline.factors(e, times) for e in self._modelled}

    def _level(self, entity: str, time: int) -> float:
        if entity not in self._modelled:
            return -1.0
        grid = self._grid.get(entity)
        if grid is not None:
            return float(grid[min(max(0, (time - self.timeline.start) // _GRID), len(grid) - 1)])
        return self.timeline.connectivity(entity, time)

    def set_time(self, time: int) -> None:
        """Decide which blocks are up for the round starting at ``time``."""
        memo: dict[str, float] = {}
        for name in {*(b.asn for b in self.blocks), *(b.region for b in self.blocks), "country:KZ"}:
            memo[name] = self._level(name, time)
        country = max(memo["country:KZ"], 1e-6)
        for i, block in enumerate(self.blocks):
            region = memo[block.region]
            share = memo[block.asn] * (region / country if region >= 0 else 1.0)
            self._up[i] = block.fragility < min(share, 1.0)

    def answers(self, address: str, _time: float) -> bool:
        """Whether one echo to ``address`` is answered now."""
        index = self._block_of[address]
        return self._up[index] and self._rng.random() < self.blocks[index].entry.availability


async def replay_blocks(store: Store, timeline: Timeline, blocks: Sequence[SimBlock], seed: int) -> int:
    """Run the prober over simulated blocks through the timeline; returns signal points written."""
    network = TimelineNetwork(timeline, blocks, seed)
    transport = SimulatedTransport(network.answers, start=float(timeline.start))
    config = ProberConfig(rate=REPLAY_RATE, seed=seed)
    prober = Prober([b.entry for b in blocks], transport, config)
    entities: dict[str, tuple[str, ...]] = {b.entry.block: (b.asn, b.region, "country:KZ") for b in blocks}
    writer = RoundWriter(store, entities, "simulated", write_signals=False)
    rounds: list[tuple[int, Counter[str]]] = []
    while prober.next_start < timeline.end:
        network.set_time(int(prober.next_start))
        verdicts = await prober.run_round()
        writer(verdicts)
        rounds.append((verdicts[0].time, blocks_up(verdicts, entities)))
    points = resample(rounds, timeline.start, timeline.end, REPLAY_STEP)
    return store.write_signals(points)


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


def replay_timeline(store: Store, timeline: Timeline, seed: int = 0) -> int:
    """Simulate Kazakh /24s answering by ``timeline`` through the real inference; write ``probe`` signals.

    800 blocks (200 per ASN: asn:9198, 29355, 21299, 48503) spread over regions (KZ-75 Almaty, KZ-71
    Astana, KZ-47 Mangystau, …) are probed in 660-s rounds on a virtual clock; the blocks-up counts of
    every asn:*, region:* and country:KZ are resampled to 300-s bins (sample and hold) from
    ``timeline.start`` to ``timeline.end``. Returns the number of signal points written.
    """
    blocks = kz_blocks(random.Random(seed))
    return asyncio.run(replay_blocks(store, timeline, blocks, seed))
