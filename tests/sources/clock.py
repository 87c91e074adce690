"""A test clock for the public-source client: time passes only when the client sleeps."""

from __future__ import annotations

from pathlib import Path

from netvigil.sources.http import SourceClient, SourceSettings


class Clock:
    """Backoff, politeness and Retry-After are asserted through ``slept``, never waited for."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def time(self) -> float:
        return self.now


def clocked_client(
    settings: SourceSettings, env: dict[str, str], cache_root: Path, clock: Clock, rand: float = 0.0
) -> SourceClient:
    """A client of ``settings`` whose sleeps, jitter and clocks are the test's."""
    return SourceClient(
        settings,
        env=env,
        cache_root=cache_root,
        sleep=clock.sleep,
        rand=lambda: rand,
        monotonic=clock.time,
        wall_clock=clock.time,
    )
