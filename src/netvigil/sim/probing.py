"""Simulated Kazakh /24 blocks that answer probes as a scenario's timeline says.

The blocks (:func:`kz_blocks`) belong to the operators and regions of
:mod:`netvigil.sim.kazakhstan`; :class:`TimelineNetwork` decides which are up; :func:`simulated_rounds`
runs the real Trinocular prober over them through :class:`~netvigil.sim.transport.SimulatedTransport`,
so a 17-day replay takes seconds on a virtual clock and goes through the very same inference.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from netvigil.model.probing import BlockRound
from netvigil.model.timeline import Timeline
from netvigil.probe.hitlist import HitlistBlock
from netvigil.probe.trinocular import Prober, ProberConfig
from netvigil.sim import kazakhstan
from netvigil.sim.transport import SimulatedTransport

REPLAY_STEP: Final = 300
"""The bin of the replay's ``probe`` signal, in seconds (rounds are held onto it)."""
BLOCKS_PER_ASN: Final = 200
REPLAY_RATE: Final = 2000.0
COUNTRY: Final = f"country:{kazakhstan.COUNTRY}"
_GRID: Final = 60


@dataclass(frozen=True, slots=True)
class SimBlock:
    """A simulated block: its hitlist entry, ASN, region and how early it fails as connectivity drops."""

    entry: HitlistBlock
    asn: str
    region: str
    fragility: float


def kz_blocks(rng: random.Random, per_asn: int = BLOCKS_PER_ASN) -> list[SimBlock]:
    """Simulated Kazakh /24s in 100.64.0.0/10 (shared space, never routed), spread over ASNs and regions."""
    regions = [r for r, _ in kazakhstan.BLOCK_REGIONS]
    weights = [w for _, w in kazakhstan.BLOCK_REGIONS]
    operators = kazakhstan.OPERATORS
    made: list[SimBlock] = []
    for index in range(per_asn * len(operators)):
        asn = operators[index % len(operators)].entity
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
        for name in {*(b.asn for b in self.blocks), *(b.region for b in self.blocks), COUNTRY}:
            memo[name] = self._level(name, time)
        country = max(memo[COUNTRY], 1e-6)
        for i, block in enumerate(self.blocks):
            region = memo[block.region]
            share = memo[block.asn] * (region / country if region >= 0 else 1.0)
            self._up[i] = block.fragility < min(share, 1.0)

    def answers(self, address: str, _time: float) -> bool:
        """Whether one echo to ``address`` is answered now."""
        index = self._block_of[address]
        return self._up[index] and self._rng.random() < self.blocks[index].entry.availability


def block_entities(blocks: Sequence[SimBlock]) -> dict[str, tuple[str, ...]]:
    """For each simulated block the entities it counts for: its operator, its region and the country."""
    return {b.entry.block: (b.asn, b.region, COUNTRY) for b in blocks}


async def simulated_rounds(
    timeline: Timeline, blocks: Sequence[SimBlock], seed: int
) -> AsyncIterator[list[BlockRound]]:
    """The prober's rounds over simulated blocks from ``timeline.start`` until a round would start at its end.

    Rounds (660 s at :data:`REPLAY_RATE`) run on a virtual clock; before each, the network is set to
    what the timeline says at the round's start.
    """
    network = TimelineNetwork(timeline, blocks, seed)
    transport = SimulatedTransport(network.answers, start=float(timeline.start))
    prober = Prober([b.entry for b in blocks], transport, ProberConfig(rate=REPLAY_RATE, seed=seed))
    while prober.next_start < timeline.end:
        network.set_time(int(prober.next_start))
        yield await prober.run_round()
