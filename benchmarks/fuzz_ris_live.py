"""Fuzz the RIS Live parser on mutated real messages: one bad message never costs more than itself.

    python benchmarks/fuzz_ris_live.py                # 10,000 cases, seed 16
    python benchmarks/fuzz_ris_live.py --cases 500    # while developing

Seeds: the recorded RIS Live lines of tests/fixtures/ris_live and libbgpstream's samples
(tests/fixtures/conformance/mrt/libbgpstream/ris-live-stream.json). A case is a mutated line:
bytes mutated (bit flips, cuts, splices, noise, huge numbers), or a JSON value swapped for NaN,
Infinity, 1e400, a 400-digit integer, a string, a list, a deep nesting. Each case is written
between two good lines and read as `ingest ris-live` reads a file (``read_jsonl``, not strict)
and as the live client reads a message (``message_routes``); both must return, the good lines'
routes must come through, and only netvigil's own errors may be raised. One JSON line per path.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import random
import tempfile
from pathlib import Path
from typing import Any

from fuzz_common import Tally, mutations
from netvigil.sources.mrt import ParseReport
from netvigil.sources.ris_live import message_routes, read_jsonl

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "tests" / "fixtures" / "ris_live" / "ris_updates.20160811.1600_first600.jsonl.gz"
SAMPLES = ROOT / "tests" / "fixtures" / "conformance" / "mrt" / "libbgpstream" / "ris-live-stream.json"
ODD_VALUES: tuple[str, ...] = (
    "NaN", "Infinity", "-Infinity", "1e400", "9" * 400, '"x"', "[]", "{}", "null", "true", "-1",
    "[" * 2000 + "]" * 2000, '"1.2.3.4/99"', '"::/129"', '"not a prefix"', "4294967296",
)


def seeds() -> list[bytes]:
    """Real RIS Live lines."""
    lines = gzip.decompress(RECORDED.read_bytes()).splitlines()[:200]
    return lines + SAMPLES.read_bytes().splitlines()


def _odd_json(rng: random.Random, line: bytes) -> bytes:
    """The line with one JSON value swapped for an odd one (NaN, 1e400, deep nesting, …)."""
    text = line.decode(errors="replace")
    colons = [i for i, ch in enumerate(text) if ch == ":"]
    if not colons:
        return line
    at = rng.choice(colons) + 1
    end = min((i for i in (text.find(",", at), text.find("}", at)) if i > 0), default=len(text))
    return (text[:at] + rng.choice(ODD_VALUES) + text[end:]).encode()


def cases(inputs: list[bytes], count: int, seed: int) -> list[bytes]:
    """Half byte mutations, half odd JSON values."""
    rng = random.Random(seed)
    half = count // 2
    odd = [_odd_json(rng, rng.choice(inputs)) for _ in range(count - half)]
    return list(mutations(inputs, half, seed)) + odd


def read_file(folder: Path, good: bytes, line: bytes) -> None:
    """The case between two good lines, read as `ingest ris-live` reads a file."""
    path = folder / "case.jsonl"
    case = line.replace(b"\n", b" ")
    path.write_bytes(good + b"\n" + case + b"\n" + good + b"\n")
    report = ParseReport()
    routes = list(read_jsonl(path, None, report))
    lines = 3 if case.strip() else 2  # a blank line is no message
    if report.records + report.damaged != lines or report.records < 2 or len(routes) < 2:
        raise AssertionError(f"the good lines were not all read: {report}")


def read_message(line: bytes) -> None:
    """The case as the live client hands it over: a decoded JSON value, or the raw line."""
    try:
        message: Any = json.loads(line)
    except (ValueError, RecursionError):
        message = line.decode(errors="replace")
    message_routes(message, ParseReport(), 1)


def main() -> None:
    """Run the cases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases (default 10,000)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case before it is a hang")
    args = parser.parse_args()
    inputs = seeds()
    good = inputs[0]
    files, messages = Tally("ris-live file (ingest ris-live)"), Tally("ris-live message (live client)")
    with tempfile.TemporaryDirectory() as folder:
        for line in cases(inputs, args.cases, args.seed):
            files.run(functools.partial(read_file, Path(folder), good, line), args.timeout)
            messages.run(functools.partial(read_message, line), args.timeout)
    print(files.line())
    print(messages.line())


if __name__ == "__main__":
    main()
