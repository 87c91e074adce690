"""How the block prober reaches addresses: the interface a real ICMP and a simulated transport implement.

The inference (:mod:`netvigil.probe.trinocular`) only ever calls :class:`Transport`: ``send`` an echo
to an address under a caller-chosen token, ``drain`` the results that have come in (a reply, or a
failure such as a timeout, as data), ``wait`` until something may have changed, and ``now``. The
real transport is :class:`netvigil.probe.icmp.IcmpTransport`; the simulated one
(``netvigil.sim.transport.SimulatedTransport``) answers from a function of (address, time) on a
virtual clock, so scenarios replay days in seconds through the very same round, rate and belief code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from netvigil.model.failures import Failure

TIMEOUT = Failure("generic_timeout_error", "icmp_echo")


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What became of one probe: ``replied`` with a round-trip time, or a :class:`Failure`."""

    token: int
    replied: bool
    rtt: float | None = None
    failure: Failure | None = None


class Transport(Protocol):
    """Sends echo probes and hands back their results; never raises for a network failure."""

    def now(self) -> float:
        """The transport's clock in Unix seconds (wall clock, or virtual for simulations)."""

    def send(self, address: str, token: int) -> None:
        """Send one echo request to ``address``; its result comes back from :meth:`drain` as ``token``."""

    def drain(self) -> list[ProbeResult]:
        """Every result that is complete by now (replies, errors and expired timeouts)."""

    async def wait(self, until: float) -> None:
        """Return when a result may be ready or the clock reaches ``until``, whichever is first."""
