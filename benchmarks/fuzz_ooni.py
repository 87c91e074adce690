"""Fuzz the OONI reader on mutations of real OONI measurements: 0 crashes and 0 hangs is the goal.

Each case is one mutated line — or, one case in twenty, a whole mutated ``.jsonl.gz`` file — fed
through what ``netvigil ooni import`` does with it: :func:`netvigil.sources.ooni.parse_line` (JSON,
envelope check) and, for a line that passes, the stored row with its verdict
(:func:`netvigil.pipeline.measurements.row_values`: classifier, id, start time); a file goes
through :func:`netvigil.sources.ooni.read_jsonl`. The seeds are the real measurements in
tests/fixtures/conformance/ooni (every OONI test type) and tests/fixtures/ooni.

Mutations: the byte mutations every fuzz benchmark shares (benchmarks/fuzz_mutations.py: bit
flips, truncations, splices, random bytes, huge numbers, long fields, deep nesting, empty input),
and JSON-aware ones that replace a random value anywhere in the measurement with another JSON
value (null, a list, an object, a string, a number, a deep nest).

A *crash* is any exception escaping those calls (the reader reports bad lines as data, so none
should); a *hang* is a case that runs longer than ``--timeout`` seconds. One JSON line:
``{"parser": "ooni", "cases": N, "crashes": C, "hangs": H, "classified": K, "seconds": S, …}``
(``classified``: cases that passed the envelope check and reached the verdict rules); with
``--show`` the first crashing inputs are printed too.

Run: .venv/bin/python benchmarks/fuzz_ooni.py [--cases 10000] [--seed 16] [--timeout 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, Final

from fuzz_mutations import mutate as shared_mutate
from netvigil.pipeline.measurements import row_values
from netvigil.sources.ooni import BadLine, parse_line, read_jsonl

REPO = Path(__file__).resolve().parents[1]


def seed_lines() -> list[bytes]:
    """The real measurements of the test fixtures (every OONI test type), one JSON line each."""
    sys.path.insert(0, str(REPO))
    from tests.detect.ooni_conformance import measurement_lines  # noqa: PLC0415 - the tests' own seeds

    return measurement_lines()
JSON_VALUES: tuple[Any, ...] = (None, True, 0, -1, 2**70, 1e308, "", "x" * 300, [], [None], {}, {"a": [1]})


class CaseTimeoutError(Exception):
    """Raised by the per-case alarm."""


DEEP: Final = "\x00deep\x00"


def _deep(depth: int) -> bytes:
    """Arrays or objects nested ``depth`` deep, as JSON text (deeper than Python's json can write)."""
    if depth % 2:
        return b"[" * depth + b"]" * depth
    return b'{"k":' * depth + b"0" + b"}" * depth


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every value of a JSON tree (bounded, so a huge body list stays cheap)."""
    out = [prefix]
    if isinstance(value, dict):
        for key in list(value)[:40]:
            out += _paths(value[key], (*prefix, key))
    elif isinstance(value, list):
        for index in range(min(len(value), 8)):
            out += _paths(value[index], (*prefix, index))
    return out


def _replace_value(rng: random.Random, line: bytes) -> bytes:
    tree = json.loads(line)
    path = rng.choice(_paths(tree)[1:] or [()])
    new = rng.choice((*JSON_VALUES, DEEP))
    if path:
        node = tree
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = new
    else:
        tree = new
    text = json.dumps(tree, separators=(",", ":")).encode()
    return text.replace(json.dumps(DEEP).encode(), _deep(rng.randint(50, 5000)))


def mutate(rng: random.Random, pool: list[bytes]) -> bytes:
    """One mutation of a random seed line: the shared byte mutations, or a JSON value replaced."""
    line = rng.choice(pool)
    if rng.randrange(7) < 5:
        return shared_mutate(line, rng)
    return _replace_value(rng, line)


def read_line(raw: bytes) -> bool:
    """What the importer does with one line: parse, check, and make the stored row with its verdict.

    Returns whether the line reached the classifier (passed the envelope check).
    """
    parsed = parse_line(raw)
    if isinstance(parsed, dict):
        row_values(parsed, 1_700_000_000, "fuzz", None)
        return True
    return False


def read_file(data: bytes, folder: Path) -> bool:
    """What the importer does with one file: every line read, each bad one reported, none fatal."""
    path = folder / "case.jsonl.gz"
    path.write_bytes(data)
    bad: list[BadLine] = []
    classified = False
    for line in read_jsonl(path, bad):
        row_values(line.measurement, 1_700_000_000, "fuzz", None)
        classified = True
    return classified


def _file_case(rng: random.Random, pool: list[bytes]) -> bytes:
    lines = [mutate(rng, pool) if rng.random() < 0.5 else rng.choice(pool) for _ in range(rng.randint(1, 6))]
    data = gzip.compress(b"\n".join(lines) + b"\n")
    return data[: rng.randrange(len(data))] if rng.random() < 0.3 else data


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTimeoutError


def run(cases: int, seed: int, timeout: float, show: int) -> dict[str, Any]:
    """Run the fuzz cases; the figures as one dict."""
    rng = random.Random(seed)
    pool = seed_lines()
    crashes = hangs = classified = 0
    signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for _ in range(cases):
            whole_file = rng.random() < 0.05
            data = _file_case(rng, pool) if whole_file else mutate(rng, pool)
            call: Callable[[], bool] = (
                (lambda d=data: read_file(d, folder)) if whole_file else (lambda d=data: read_line(d))
            )
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                classified += call()
            except CaseTimeoutError:
                hangs += 1
            except Exception:  # a crash is any exception: counting them is the point
                crashes += 1
                if crashes <= show:
                    print(f"crash on {data[:300]!r}", file=sys.stderr)
                    traceback.print_exc(limit=3)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    seconds = round(time.perf_counter() - started, 2)
    return {
        "parser": "ooni",
        "cases": cases,
        "crashes": crashes,
        "hangs": hangs,
        "classified": classified,
        "seconds": seconds,
        "seed": seed,
        "timeout_s": timeout,
        "goal": "0 crashes and 0 hangs over >= 10,000 cases (issue 16)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="how many mutated inputs (default 10,000)")
    parser.add_argument("--seed", type=int, default=16, help="random seed (default 16)")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds before a case counts as a hang")
    parser.add_argument("--show", type=int, default=0, help="print the first N crashing inputs on stderr")
    args = parser.parse_args()
    print(json.dumps(run(args.cases, args.seed, args.timeout, args.show)), flush=True)


if __name__ == "__main__":
    main()
