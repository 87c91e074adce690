"""Trinocular block inference (Quan, Heidemann, Papadopoulos, SIGCOMM 2013) with a paced prober.

Per block a belief B = P(block up) is updated by Bayes' rule after every probe:

    reply:     B' = B·p / (B·p + (1-B)·e)
    no reply:  B' = B·(1-p) / (B·(1-p) + (1-B)·(1-e))

where ``p = A·(1 - assumed_loss)`` is the chance an up block answers one probe (A from the
hitlist, discounted for ordinary packet loss) and ``e`` the chance a down block still answers
(spoofed or stray replies). B is kept within [0.01, 0.995] so a long-settled block can still change.

Each round (660 s by default) every block is probed at least once; probing continues, one probe
at a time, until the evidence is definitive *and* agrees with the last answer: B >= 0.9 after a
reply (up), or B <= 0.1 after a timeout with no reply at all this round (down). After 15 probes the
block is up, down or uncertain by its belief, and never down in a round in which it answered.
The prober paces all probes under one global packet-rate cap (token bucket), takes blocks in a
fresh random order each round, keeps at most one probe per block in flight (with an optional gap
between probes to the same block) and talks to the network only through a
:class:`~netvigil.probe.transport.Transport`.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from netvigil.model.errors import ConfigError
from netvigil.model.probing import BlockRound, BlockState
from netvigil.probe.hitlist import HitlistBlock
from netvigil.probe.transport import Transport

_ONE_PACKET: Final = 1.0 - 1e-9
_MIN_WAIT: Final = 1e-5
BELIEF_FLOOR: Final = 0.01
BELIEF_CEILING: Final = 0.995
DEFAULT_RATE: Final = 100.0
DEFAULT_ROUND_SECONDS: Final = 660.0


@dataclass(frozen=True, slots=True)
class InferenceConfig:
    """Thresholds and error model of the belief update (Trinocular's values by default)."""

    up: float = 0.9
    down: float = 0.1
    max_probes: int = 15
    assumed_loss: float = 0.5
    false_reply: float = 0.01
    initial_belief: float = 0.9

    def reply_probability(self, availability: float) -> float:
        """Chance that an up block with availability ``availability`` answers one probe."""
        return min(max(availability, 0.05), 1.0) * (1.0 - self.assumed_loss)


def update_belief(belief: float, replied: bool, p_up: float, p_down: float) -> float:
    """One Bayes step of P(up) after a reply or a timeout, kept within [0.01, 0.995]."""
    if replied:
        up, down = belief * p_up, (1.0 - belief) * p_down
    else:
        up, down = belief * (1.0 - p_up), (1.0 - belief) * (1.0 - p_down)
    return min(max(up / (up + down), BELIEF_FLOOR), BELIEF_CEILING)


@dataclass(slots=True)
class BlockTracker:
    """The mutable inference state of one block: belief across rounds, counts within the round."""

    block: HitlistBlock
    p_up: float
    belief: float
    cursor: int
    state: BlockState | None = None
    probes: int = 0
    replies: int = 0
    decided: BlockState | None = None

    def begin_round(self) -> None:
        """Reset the per-round counts; the belief carries over from the last round."""
        self.probes = 0
        self.replies = 0
        self.decided = None

    def next_address(self) -> str:
        """The next ever-responsive address of the block, cycling through them."""
        addresses = self.block.addresses
        self.cursor = (self.cursor + 1) % len(addresses)
        return addresses[self.cursor]

    def observe(self, replied: bool, config: InferenceConfig) -> bool:
        """Fold one probe result into the belief; True once the round's verdict is reached."""
        self.probes += 1
        self.replies += replied
        self.belief = update_belief(self.belief, replied, self.p_up, config.false_reply)
        if replied and self.belief >= config.up:
            self.decided = "up"
        elif not replied and self.belief <= config.down and self.replies == 0:
            self.decided = "down"
        elif self.probes >= config.max_probes:
            self.decided = self._final_state(config)
        return self.decided is not None

    def _final_state(self, config: InferenceConfig) -> BlockState:
        if self.belief >= config.up:
            return "up"
        if self.belief <= config.down and self.replies == 0:
            return "down"
        return "uncertain"


@dataclass(frozen=True, slots=True)
class ProberConfig:
    """How hard and how often to probe: packets/s cap, round length, politeness gap, seed."""

    rate: float = DEFAULT_RATE
    round_seconds: float = DEFAULT_ROUND_SECONDS
    block_gap: float = 0.0
    seed: int = 0
    inference: InferenceConfig = field(default_factory=InferenceConfig)

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ConfigError(f"rate must be above 0 packets/s, not {self.rate}")
        if not self.round_seconds > 0:
            raise ConfigError(f"round length must be above 0 s, not {self.round_seconds}")
        if not 1 <= self.inference.max_probes <= 15:
            raise ConfigError("probes per block per round must be 1..15 (Trinocular's budget)")


@dataclass(slots=True)
class _Round:
    """Scheduling state of one round in progress."""

    order: list[int]
    start: float
    next_new: int = 0
    active: int = 0
    ready: deque[int] = field(default_factory=deque)
    resting: list[tuple[float, int]] = field(default_factory=list)
    allowance: float = 1.0
    last_refill: float = 0.0


class Prober:
    """Runs Trinocular rounds over hitlist blocks through a transport; yields one verdict per block."""

    def __init__(self, blocks: Sequence[HitlistBlock], transport: Transport, config: ProberConfig) -> None:
        if not blocks:
            raise ConfigError("nothing to probe: the block list is empty")
        self.config = config
        self.transport = transport
        self._rng = random.Random(config.seed)
        inference = config.inference
        self.trackers = [
            BlockTracker(
                b,
                inference.reply_probability(b.availability),
                inference.initial_belief,
                self._rng.randrange(len(b.addresses)),
            )
            for b in blocks
        ]
        self.rounds_done = 0
        self.probes_sent = 0
        self._next_start = float("-inf")

    async def run_round(self) -> list[BlockRound]:
        """Wait for the round's start, then probe every block until its verdict under the rate cap.

        Verdicts are returned as soon as every block is judged; the next call waits out the rest
        of this round first, so rounds begin every ``round_seconds`` (or at once after an overrun).
        """
        await self._wait_until(self._next_start)
        start = self.transport.now()
        self._next_start = start + self.config.round_seconds
        order = list(range(len(self.trackers)))
        self._rng.shuffle(order)
        for tracker in self.trackers:
            tracker.begin_round()
        state = _Round(order, start, allowance=self._burst(), last_refill=start)
        while True:
            self._collect(state)
            if state.next_new >= len(order) and not state.active:
                break
            self._send_allowed(state)
            await self.transport.wait(self._next_wake(state))
        self.rounds_done += 1
        return self._verdicts(int(start))

    @property
    def next_start(self) -> float:
        """When the next round will begin on the transport's clock (now, if no round ran yet)."""
        return max(self._next_start, self.transport.now())

    async def _wait_until(self, moment: float) -> None:
        """Let time pass until ``moment``, discarding results that arrive meanwhile (late replies)."""
        while self.transport.now() < moment:
            self.transport.drain()
            await self.transport.wait(moment)

    def _burst(self) -> float:
        return max(1.0, self.config.rate / 100.0)

    def _collect(self, state: _Round) -> None:
        now = self.transport.now()
        inference = self.config.inference
        for result in self.transport.drain():
            tracker = self.trackers[result.token]
            if tracker.observe(result.replied, inference):
                state.active -= 1
            elif self.config.block_gap > 0:
                heapq.heappush(state.resting, (now + self.config.block_gap, result.token))
            else:
                state.ready.append(result.token)
        while state.resting and state.resting[0][0] <= now:
            state.ready.append(heapq.heappop(state.resting)[1])

    def _send_allowed(self, state: _Round) -> None:
        now = self.transport.now()
        rate = self.config.rate
        state.allowance = min(self._burst(), state.allowance + (now - state.last_refill) * rate)
        state.last_refill = now
        while state.allowance >= _ONE_PACKET:
            if state.ready:
                index = state.ready.popleft()
            elif state.next_new < len(state.order):
                index = state.order[state.next_new]
                state.next_new += 1
                state.active += 1
            else:
                return
            self.transport.send(self.trackers[index].next_address(), index)
            self.probes_sent += 1
            state.allowance -= 1.0

    def _next_wake(self, state: _Round) -> float:
        now = self.transport.now()
        backlog = len(state.ready) + len(state.order) - state.next_new
        if backlog:
            batch = min(self._burst(), float(backlog))
            return now + max((batch - state.allowance) / self.config.rate, _MIN_WAIT)
        if state.resting:
            return state.resting[0][0]
        return float("inf")

    def _verdicts(self, time: int) -> list[BlockRound]:
        verdicts: list[BlockRound] = []
        for tracker in self.trackers:
            state = tracker.decided or "uncertain"
            tracker.state = state
            verdicts.append(
                BlockRound(self.rounds_done, time, tracker.block.block, state, tracker.belief, tracker.probes)
            )
        return verdicts
