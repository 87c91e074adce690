"""The hitlist scan: ping every candidate address of some blocks, a few passes, under a rate cap.

``netvigil probe hitlist build`` uses it to find each block's ever-responsive addresses and its
availability. It runs through the same :class:`~netvigil.probe.transport.Transport` as the prober.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from netvigil.probe.hitlist import HitlistBlock, Network, block_from_scan, scan_addresses
from netvigil.probe.transport import Transport

_MAX_IN_FLIGHT = 50_000


async def scan_blocks(
    networks: Sequence[Network],
    transport: Transport,
    *,
    rate: float,
    passes: int = 2,
    entity: str | None = None,
    tick: Callable[[int], None] | None = None,
) -> list[HitlistBlock]:
    """Probe every candidate address of ``networks`` ``passes`` times; the blocks that answered."""
    targets = [(i, address) for i, net in enumerate(networks) for address in scan_addresses(net)]
    answers: list[list[set[str]]] = [[set() for _ in range(passes)] for _ in networks]
    addresses = [a for _, a in targets]
    for number in range(passes):
        offset = number * len(addresses)
        progress = None if tick is None else (lambda sent, base=offset: tick(base + sent))
        replied = await _one_pass(addresses, transport, rate, progress)
        for token in replied:
            index, address = targets[token]
            answers[index][number].add(address)
    found = (block_from_scan(net, answers[i], entity) for i, net in enumerate(networks))
    return [block for block in found if block is not None]


async def _one_pass(
    addresses: Sequence[str], transport: Transport, rate: float, tick: Callable[[int], None] | None
) -> set[int]:
    """Send one echo to each address at ``rate`` packets/s; the tokens (indexes) that got a reply."""
    replied: set[int] = set()
    sent = finished = 0
    clock = transport.now()
    while True:
        for result in transport.drain():
            finished += 1
            if result.replied:
                replied.add(result.token)
        if finished >= len(addresses):
            return replied
        due = min(len(addresses), int((transport.now() - clock) * rate) + 1)
        while sent < due and sent - finished < _MAX_IN_FLIGHT:
            transport.send(addresses[sent], sent)
            sent += 1
        if tick is not None:
            tick(sent)
        wake = clock + sent / rate if sent < len(addresses) else float("inf")
        await transport.wait(wake)
