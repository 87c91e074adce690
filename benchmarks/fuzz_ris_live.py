"""Fuzz the RIS Live parser on mutated real messages: one bad message never costs more than itself.

    python benchmarks/fuzz_ris_live.py                # 10,000 cases, seed 16
    python benchmarks/fuzz_ris_live.py --cases 500    # while developing

Seeds: the recorded RIS Live lines of tests/fixtures/ris_live and libbgpstream's samples
(tests/fixtures/conformance/mrt/libbgpstream/ris-live-stream.json). A case is a mutated line:
bytes mutated (benchmarks/fuzz_mutations.py), or a JSON value swapped for NaN,
Infinity, 1e400, a 400-digit integer, a string, a list, a deep nesting. Each case is written
between two good lines and read as `ingest ris-live` reads a file (``read_jsonl``, not strict)
and as the live client reads a message (``message_routes``); both must return, the good lines'
routes must come through, and nothing may be raised. Each path runs in a child process with a
per-case timeout (fuzz_mutations.Worker). One JSON line per path.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import tempfile
from pathlib import Path
from typing import Any

from fuzz_mutations import Tally, Worker, mutate
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


def make_case(inputs: list[bytes], rng: random.Random) -> bytes:
    """Half byte mutations (benchmarks/fuzz_mutations.py), half odd JSON values; one line."""
    line = rng.choice(inputs)
    case = mutate(line, rng) if rng.random() < 0.5 else _odd_json(rng, line)
    return case.replace(b"\n", b" ")


def read_file(case: tuple[str, bytes, bytes]) -> str:
    """The case between two good lines, read as `ingest ris-live` reads a file (not strict)."""
    folder, good, line = case
    path = Path(folder) / "case.jsonl"
    path.write_bytes(good + b"\n" + line + b"\n" + good + b"\n")
    report = ParseReport()
    routes = list(read_jsonl(path, None, report))
    lines = 3 if line.strip() else 2  # a blank line is no message
    if report.records + report.damaged != lines or report.records < 2 or len(routes) < 2:
        raise AssertionError(f"the good lines were not all read: {report}")
    return "bad_line" if report.damaged else "accepted"


def read_message(line: bytes) -> str:
    """The case as the live client hands it over: a decoded JSON value, or the raw line."""
    try:
        message: Any = json.loads(line)
    except (ValueError, RecursionError):
        message = line.decode(errors="replace")
    report = ParseReport()
    message_routes(message, report, 1)
    return "bad_message" if report.damaged else "accepted"


def main() -> None:
    """Run the cases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases (default 10,000)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case before it is a hang")
    args = parser.parse_args()
    inputs = seeds()
    rng = random.Random(f"ris-live:{args.seed}")
    files, messages = Tally("ris-live file (ingest ris-live)"), Tally("ris-live message (live client)")
    file_worker, message_worker = Worker(read_file, args.timeout), Worker(read_message, args.timeout)
    try:
        with tempfile.TemporaryDirectory() as folder:
            for _ in range(args.cases):
                line = make_case(inputs, rng)
                files.count(*file_worker((folder, inputs[0], line)))
                messages.count(*message_worker(line))
    finally:
        file_worker.close()
        message_worker.close()
    print(json.dumps(files.line()))
    print(json.dumps(messages.line()))


if __name__ == "__main__":
    main()
