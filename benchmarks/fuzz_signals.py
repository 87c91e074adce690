"""Fuzz the signal file readers (CSV and JSON lines) with mutations of real signal files.

Seeds: tests/fixtures/signals/monash_hurricane_laura_2020.{csv,jsonl} (the Monash IP Observatory's
Hurricane Laura data as signal files; see tests/fixtures/PROVENANCE.md). Each case takes a random
window of the seed's lines, mutates it (benchmarks/fuzz_mutations.py: bit flips, truncations,
splices, random bytes, huge numbers, 128 KB fields, deep nesting, unknown entities, booleans,
empty files), sometimes gzips it (whole or cut short), and reads it with
``netvigil.sources.signal_csv.read_points`` in a child process with a per-case timeout.

A crash is any exception other than netvigil's ``InputError``; a hang is a case past the timeout.
Every ``--cli-every`` cases the same file also goes through ``netvigil ingest signals``, which must
exit 0, or 2 with one line on stderr and no traceback.

    python benchmarks/fuzz_signals.py                 # 10,000 cases per parser (the issue's goal)
    python benchmarks/fuzz_signals.py --cases 500     # quick

Prints one JSON line per parser: {"parser", "cases", "crashes", "hangs", "seconds", …}.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from fuzz_mutations import Tally, Worker, mutate
from netvigil.model.errors import InputError
from netvigil.sources.signal_csv import read_points

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {
    "signal_csv": ROOT / "tests/fixtures/signals/monash_hurricane_laura_2020.csv",
    "signal_jsonl": ROOT / "tests/fixtures/signals/monash_hurricane_laura_2020.jsonl",
}
NETVIGIL = Path(sys.executable).parent / "netvigil"


def read_case(path: str) -> str:
    """Read every point of the file: ``accepted``, ``input_error``, or an exception (a crash)."""
    try:
        for _ in read_points(Path(path)):
            pass
    except InputError:
        return "input_error"
    return "accepted"


def make_case(seed: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Mutated bytes from a window of the seed, and the suffix to give them (.gz when packed)."""
    lines = seed.splitlines(keepends=True)
    start = rng.randrange(1, len(lines))
    window = b"".join(lines[:1] + lines[start : start + rng.randint(1, 40)])
    if rng.random() < 0.1:
        window = b"".join(lines[start : start + 10])  # no header line
    data = mutate(window, rng)
    if rng.random() < 0.1:
        packed = gzip.compress(data, mtime=0)
        return (packed[: rng.randrange(len(packed))] if rng.random() < 0.3 else packed), ".gz"
    return data, ""


def cli_outcome(path: Path, db: Path) -> tuple[str, str]:
    """``netvigil ingest signals`` on the file: a clean exit 0 or 2 (one line), else a crash."""
    done = subprocess.run(
        [str(NETVIGIL), "ingest", "signals", str(path), "--db", str(db)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    clean = done.returncode == 0 or (done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1)
    if clean and "Traceback" not in done.stderr:
        return ("cli_ok" if done.returncode == 0 else "cli_exit_2"), ""
    return "crash", f"CLI exit {done.returncode}: {done.stderr[-500:]}"


def fuzz(parser: str, cases: int, seed: int, timeout: float, cli_every: int, work: Path) -> Tally:
    """Run ``cases`` mutated files through one reader."""
    rng = random.Random(f"{parser}:{seed}")
    source = SEEDS[parser].read_bytes()
    suffix = SEEDS[parser].suffix
    tally = Tally(parser)
    worker = Worker(read_case, timeout)
    try:
        for number in range(cases):
            data, packed = make_case(source, rng)
            path = work / f"case{suffix}{packed}"
            path.write_bytes(data)
            outcome, detail = worker(str(path))
            tally.count(outcome, detail)
            if cli_every and number % cli_every == 0:
                cli_result, cli_detail = cli_outcome(path, work / "cli.duckdb")
                tally.outcomes[cli_result] = tally.outcomes.get(cli_result, 0) + 1
                if cli_result == "crash":
                    tally.crashes += 1
                    tally.examples.append(cli_detail)
    finally:
        worker.close()
    return tally


def main() -> None:
    """Fuzz both readers and print a JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="Cases per reader (default 10,000).")
    parser.add_argument("--seed", type=int, default=16, help="Random seed (default 16).")
    parser.add_argument("--timeout", type=float, default=10.0, help="Seconds per case before a hang.")
    parser.add_argument(
        "--cli-every", type=int, default=500, help="Also run the CLI every N cases (0: never)."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fuzz-signals-") as tmp:
        for name in SEEDS:
            tally = fuzz(name, args.cases, args.seed, args.timeout, args.cli_every, Path(tmp))
            print(json.dumps(tally.line()), flush=True)


if __name__ == "__main__":
    main()
