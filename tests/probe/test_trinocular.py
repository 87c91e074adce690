"""Trinocular inference and the paced prober, on the simulated transport (deterministic seeds)."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter

import pytest

from netvigil.model.errors import ConfigError
from netvigil.probe.hitlist import HitlistBlock
from netvigil.probe.trinocular import (
    BELIEF_CEILING,
    BELIEF_FLOOR,
    BlockTracker,
    InferenceConfig,
    Prober,
    ProberConfig,
    update_belief,
)
from netvigil.sim.transport import SimulatedTransport

CONFIG = InferenceConfig()
T0 = 1_640_000_000.0


def blocks(n: int, availability: float = 0.9) -> list[HitlistBlock]:
    return [
        HitlistBlock(f"10.0.{i}.0/24", tuple(f"10.0.{i}.{h}" for h in range(1, 9)), availability)
        for i in range(n)
    ]


def tracker(belief: float = 0.9, availability: float = 0.9) -> BlockTracker:
    return BlockTracker(blocks(1, availability)[0], CONFIG.reply_probability(availability), belief, 0)


def test_bayes_update_matches_hand_computation() -> None:
    # p = 0.9 * (1 - 0.5) = 0.45; e = 0.01
    assert update_belief(0.5, True, 0.45, 0.01) == pytest.approx(0.45 / (0.45 + 0.01))
    assert update_belief(0.5, False, 0.45, 0.01) == pytest.approx(0.55 / (0.55 + 0.99))
    assert update_belief(0.999, True, 0.45, 0.01) == BELIEF_CEILING
    assert update_belief(0.011, False, 0.45, 0.01) == BELIEF_FLOOR


def test_up_block_needs_one_reply() -> None:
    block = tracker()
    block.begin_round()
    assert block.observe(True, CONFIG)
    assert block.decided == "up" and block.probes == 1


def test_silent_block_goes_down_within_one_round_budget() -> None:
    block = tracker(belief=BELIEF_CEILING)
    block.begin_round()
    while not block.observe(False, CONFIG):
        pass
    assert block.decided == "down"
    assert block.probes <= CONFIG.max_probes
    block.begin_round()
    assert block.observe(False, CONFIG) and block.decided == "down" and block.probes == 1


def test_a_round_with_a_reply_is_never_down() -> None:
    block = tracker(belief=0.1)
    block.begin_round()
    answers = [True] + [False] * 20
    for answer in answers:
        if block.observe(answer, CONFIG):
            break
    assert block.decided == "uncertain"
    assert block.probes == CONFIG.max_probes


def test_negative_against_an_up_belief_keeps_probing() -> None:
    block = tracker(belief=BELIEF_CEILING)
    block.begin_round()
    assert not block.observe(False, CONFIG)
    assert block.belief >= CONFIG.up
    assert block.observe(True, CONFIG) and block.decided == "up"


def run_rounds(prober: Prober, count: int) -> list[list[str]]:
    async def go() -> list[list[str]]:
        return [[v.state for v in await prober.run_round()] for _ in range(count)]

    return asyncio.run(go())


def test_rate_cap_holds_on_the_virtual_clock() -> None:
    transport = SimulatedTransport(lambda a, t: True, start=T0, timeout=1.0)
    prober = Prober(blocks(300), transport, ProberConfig(rate=50.0, round_seconds=1.0))
    run_rounds(prober, 1)
    assert prober.probes_sent == 300
    assert transport.now() - T0 >= (300 - 1) / 50.0


def test_order_is_random_per_round_and_one_probe_in_flight_per_block() -> None:
    sent: list[str] = []
    in_flight: Counter[str] = Counter()

    class Recording(SimulatedTransport):
        def send(self, address: str, token: int) -> None:
            block = address.rsplit(".", 1)[0]
            assert in_flight[block] == 0, "two probes in flight to one block"
            in_flight[block] += 1
            sent.append(block)
            super().send(address, token)

        def drain(self):  # type: ignore[no-untyped-def]
            done = super().drain()
            for result in done:
                in_flight[f"10.0.{result.token}"] -= 1
            return done

    rng = random.Random(3)
    transport = Recording(lambda a, t: rng.random() < 0.3, start=T0, timeout=0.5)
    prober = Prober(blocks(40), transport, ProberConfig(rate=1000.0, round_seconds=30.0, seed=7))
    run_rounds(prober, 2)
    first, second = sent[:40], sent[len(sent) // 2 : len(sent) // 2 + 40]
    assert sorted(set(first)) == sorted({f"10.0.{i}" for i in range(40)})
    assert first != [f"10.0.{i}" for i in range(40)]
    assert first != second


def test_politeness_gap_between_probes_to_one_block() -> None:
    times: list[float] = []
    transport = SimulatedTransport(lambda a, t: False, start=T0, timeout=0.1)
    original = transport.send

    def send(address: str, token: int) -> None:
        times.append(transport.now())
        original(address, token)

    transport.send = send  # type: ignore[method-assign]
    prober = Prober(blocks(1), transport, ProberConfig(rate=1000.0, round_seconds=60.0, block_gap=2.0))
    run_rounds(prober, 1)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps and min(gaps) >= 2.0 + 0.1 - 1e-6


def test_outage_seen_within_one_round_and_recovery() -> None:
    down: set[str] = set()
    rng = random.Random(1)
    transport = SimulatedTransport(
        lambda a, t: a.rsplit(".", 1)[0] not in down and rng.random() < 0.9, start=T0, timeout=3.0
    )
    prober = Prober(blocks(20), transport, ProberConfig(rate=100.0))
    history = run_rounds(prober, 3)
    down.update({"10.0.3", "10.0.4"})
    history += run_rounds(prober, 2)
    down.clear()
    history += run_rounds(prober, 1)
    assert all(state == "up" for round_ in history[:3] for state in round_)
    assert [history[3][3], history[3][4], history[4][3]] == ["down", "down", "down"]
    assert history[5][3] == "up" and history[5][4] == "up"
    assert all(history[r][i] == "up" for r in range(6) for i in range(20) if i not in (3, 4))


def test_half_loss_is_rarely_down_and_mean_cost_is_small() -> None:
    rng = random.Random(11)
    transport = SimulatedTransport(lambda a, t: rng.random() < 0.5, start=T0, timeout=3.0)
    prober = Prober(blocks(100, availability=0.9), transport, ProberConfig(rate=1000.0))
    states = Counter(s for round_ in run_rounds(prober, 100) for s in round_)
    assert states["down"] / 10_000 < 0.002
    assert prober.probes_sent / 10_000 < 3.0


def test_steady_blocks_cost_about_one_probe_per_round() -> None:
    transport = SimulatedTransport(lambda a, t: True, start=T0)
    prober = Prober(blocks(50), transport, ProberConfig(rate=1000.0))
    run_rounds(prober, 10)
    assert prober.probes_sent == 500


@pytest.mark.parametrize(
    "config", [{"rate": 0.0}, {"round_seconds": -1.0}, {"inference": InferenceConfig(max_probes=16)}]
)
def test_bad_settings_are_refused(config: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        ProberConfig(**config)  # type: ignore[arg-type]
