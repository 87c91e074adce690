"""Seeded mutations of real input files, shared by the fuzz benchmarks (benchmarks/fuzz_*.py).

Each mutation takes the seed's bytes and a :class:`random.Random` and returns new bytes: bit
flips, truncations, splices of two parts, random bytes, and the hostile values the issue names
(numbers too large for a float, 400-digit and 5000-digit integers, 128 KB fields, nesting a
thousand deep, unknown entities, booleans, NaN, negative numbers, empty input).
"""

from __future__ import annotations

import multiprocessing
import random
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Final

NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")
HOSTILE_NUMBERS: Final = (
    b"9" * 400,
    b"1" * 5000,
    b"1e400",
    b"-1e400",
    b"-1",
    b"NaN",
    b"Infinity",
    b"-0",
    b"0.000000000000000000000000000001",
    b"1" * 20,
    b"99999999999999999999",
    b"true",
    b"false",
    b"null",
    b'"12"',
    b"[]",
    b"{}",
)
HOSTILE_TEXT: Final = (
    b"country:ZZ",
    b"region:KZ-ZZZ",
    b"asn:0",
    b"asn:99999999999",
    b"service:whatsapp@country:ZZ",
    b"\xff\xfe",
    b"\x00",
    b'"',
    b"\\ud800",
    b"0000-00-00 00:00:00",
    b"9999-12-31T23:59:59-23:59",
    b"\r",
    b"\n",
    b",",
)
Mutation = Callable[[bytes, random.Random], bytes]


def _bit_flips(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _splice(data: bytes, rng: random.Random) -> bytes:
    a, b = sorted(rng.randrange(len(data) + 1) for _ in range(2))
    c = rng.randrange(len(data) + 1)
    return data[:c] + data[a:b] + data[c:]


def _random_bytes(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]


def _replace_number(data: bytes, rng: random.Random) -> bytes:
    found = list(NUMBER.finditer(data))
    if not found:
        return data
    match = rng.choice(found)
    return data[: match.start()] + rng.choice(HOSTILE_NUMBERS) + data[match.end() :]


def _insert_text(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(HOSTILE_TEXT) + data[at:]


def _long_field(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice([b"1", b"x", b'"', b","]) * rng.choice([131_073, 200_000]) + data[at:]


def _deep(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([70, 999, 1000, 5000])
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
    at = rng.randrange(len(data) + 1)
    return data[:at] + opener * depth + b"1" + closer * depth + data[at:]


def _empty(_: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"", b"\n", b"   \n\n", b"\xef\xbb\xbf"])


MUTATIONS: Final[tuple[Mutation, ...]] = (
    _bit_flips,
    _truncate,
    _splice,
    _random_bytes,
    _replace_number,
    _replace_number,
    _insert_text,
    _long_field,
    _deep,
    _empty,
)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three mutations of ``data``."""
    for _ in range(rng.choice([1, 1, 2, 3])):
        data = rng.choice(MUTATIONS)(data, rng)
    return data


@dataclass
class Tally:
    """Outcomes of a fuzz run: crashes (with up to five examples) and hangs are failures."""

    parser: str
    cases: int = 0
    crashes: int = 0
    hangs: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def count(self, outcome: str, detail: str = "") -> None:
        """Record one case."""
        self.cases += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if outcome in ("crash", "hang"):
            self.crashes += outcome == "crash"
            self.hangs += outcome == "hang"
            if len(self.examples) < 5:
                self.examples.append(detail[-600:])

    def line(self) -> dict[str, Any]:
        """The benchmark's JSON line."""
        return {
            "parser": self.parser,
            "cases": self.cases,
            "crashes": self.crashes,
            "hangs": self.hangs,
            "seconds": round(time.perf_counter() - self.started, 1),
            "outcomes": self.outcomes,
            "goal": "0 crashes and 0 hangs over >= 10,000 cases (issue 16, item 9)",
            "examples": self.examples,
        }


def _serve(conn: Connection, run: Callable[[Any], str]) -> None:
    while True:
        case = conn.recv()
        try:
            conn.send((run(case), ""))
        except Exception:
            conn.send(("crash", traceback.format_exc()))


class Worker:
    """A child process that runs one case at a time, so a case that hangs can be timed out and killed."""

    def __init__(self, run: Callable[[Any], str], timeout: float) -> None:
        self.run = run
        self.timeout = timeout
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, self.run), daemon=True)
        self.process.start()

    def __call__(self, case: Any) -> tuple[str, str]:
        """The case's outcome and detail; ``hang`` (and a fresh child) past the timeout."""
        self.conn.send(case)
        if self.conn.poll(self.timeout):
            try:
                outcome: tuple[str, str] = self.conn.recv()
            except EOFError:
                self._restart()
                return "crash", "the worker process died"
            return outcome
        self._restart()
        return "hang", f"no answer within {self.timeout} s"

    def _restart(self) -> None:
        self.process.kill()
        self.process.join()
        self._start()

    def close(self) -> None:
        """End the child."""
        self.process.kill()
        self.process.join()
