"""The probe transport on a virtual clock: a network made of a function of (address, time).

It implements :class:`netvigil.probe.transport.Transport`, so the prober's round, rate and belief
code run unchanged while a scenario's days replay in seconds.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from netvigil.probe.transport import TIMEOUT, ProbeResult

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
