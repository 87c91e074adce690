"""What the fuzz benchmarks share: seeded mutations of real bytes, a per-case timeout, the JSON line.

A case is one mutation of a real fixture: bit flips, a cut, a splice of two inputs, random bytes,
a field overwritten with a huge number, or a chunk repeated. A crash is any exception that is not
netvigil's own error type (``NetvigilError``); a hang is a case over its time limit (SIGALRM, so
it catches Python loops; a loop inside C would stop the run instead, and be seen).
"""

from __future__ import annotations

import json
import random
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from netvigil.model.errors import NetvigilError

HUGE = (b"\xff\xff", b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x00", b"\x80\x00\x00\x00")


class HangError(Exception):
    """A case ran past its time limit."""


def _flip(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _cut(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1) :]


def _noise(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    return rng.randbytes(rng.randint(0, max(1, len(data))))


def _huge(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        value = rng.choice(HUGE)
        at = rng.randrange(len(out) + 1)
        out[at : at + len(value)] = value
    return bytes(out)


def _repeat(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, 64)]
    return data[:start] + chunk * rng.randint(2, 50) + data[start:]


MUTATIONS: tuple[Callable[[random.Random, bytes, bytes], bytes], ...] = (
    _flip,
    _flip,
    _cut,
    _splice,
    _noise,
    _huge,
    _repeat,
)


def mutations(seeds: list[bytes], cases: int, seed: int) -> Iterator[bytes]:
    """``cases`` seeded mutations of the seed inputs (one or two mutations stacked)."""
    rng = random.Random(seed)
    for _ in range(cases):
        data = rng.choice(seeds)
        for _ in range(rng.choice((1, 1, 2))):
            data = rng.choice(MUTATIONS)(rng, data, rng.choice(seeds))
        yield data


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`HangError` in the block after ``seconds``."""

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise HangError

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(slots=True)
class Tally:
    """Cases, crashes and hangs of one parser, and the first crashes' tracebacks."""

    parser: str
    cases: int = 0
    crashes: int = 0
    hangs: int = 0
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)

    def run(self, case: Callable[[], object], timeout: float) -> None:
        """Run one case: its own errors are fine, anything else is a crash, too long a hang."""
        self.cases += 1
        started = time.perf_counter()
        try:
            with time_limit(timeout):
                case()
        except NetvigilError:
            pass
        except HangError:
            self.hangs += 1
        except Exception:  # counting exactly these is the point
            self.crashes += 1
            if len(self.examples) < 3:
                self.examples.append(traceback.format_exc(limit=4))
        finally:
            self.seconds += time.perf_counter() - started

    def line(self, goal: str = "0 crashes and 0 hangs over >= 10,000 cases") -> str:
        """The JSON line of the figures."""
        return json.dumps(
            {
                "parser": self.parser,
                "cases": self.cases,
                "crashes": self.crashes,
                "hangs": self.hangs,
                "seconds": round(self.seconds, 1),
                "goal": goal,
                "crash_examples": self.examples,
            }
        )
