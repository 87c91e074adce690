"""How the block prober reaches addresses: an interface with a real ICMP and a simulated implementation.

The inference (:mod:`netvigil.probe.trinocular`) only ever calls :class:`Transport`: ``send`` an echo
to an address under a caller-chosen token, ``drain`` the results that have come in (a reply, or a
failure such as a timeout, as data), ``wait`` until something may have changed, and ``now``. The
real transport is :class:`netvigil.probe.icmp.IcmpTransport`; :class:`SimulatedTransport` answers
from a function of (address, time) on a virtual clock, so scenarios replay days in seconds through
the very same round, rate and belief code.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
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


Responder = Callable[[str, float], bool]


class SimulatedTransport:
    """A network made of a function: ``responder(address, time)`` says whether an echo is answered.

    Time is virtual: :meth:`wait` jumps the clock forward instead of sleeping. A reply arrives
    ``rtt`` seconds after the probe, a missing reply becomes a timeout after ``timeout`` seconds,
    exactly as the real transport reports them.
    """

    def __init__(
        self, responder: Responder, *, start: float, timeout: float = 3.0, rtt: float = 0.05
    ) -> None:
        self._responder = responder
        self._clock = start
        self._timeout = timeout
        self._rtt = rtt
        self._due: list[tuple[float, int, ProbeResult]] = []
        self._counter = 0
        self.sent = 0

    def now(self) -> float:
        """The virtual clock."""
        return self._clock

    def send(self, address: str, token: int) -> None:
        """Ask the responder now; queue a reply after ``rtt`` or a timeout after ``timeout``."""
        self.sent += 1
        self._counter += 1
        if self._responder(address, self._clock):
            item = (self._clock + self._rtt, self._counter, ProbeResult(token, True, self._rtt))
        else:
            item = (self._clock + self._timeout, self._counter, ProbeResult(token, False, None, TIMEOUT))
        heapq.heappush(self._due, item)

    def drain(self) -> list[ProbeResult]:
        """Results whose arrival time has come on the virtual clock."""
        done: list[ProbeResult] = []
        while self._due and self._due[0][0] <= self._clock:
            done.append(heapq.heappop(self._due)[2])
        return done

    async def wait(self, until: float) -> None:
        """Jump the clock to the next result or to ``until``, whichever is earlier (never backwards)."""
        target = min(until, self._due[0][0]) if self._due else until
        if target != float("inf"):
            self._clock = max(self._clock, target)
