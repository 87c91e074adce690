"""A test clock for the public-source client: time passes only when the client sleeps."""

from __future__ import annotations


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
