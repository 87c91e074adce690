"""Fuzz the MRT decoder on mutated real archives: `mrt dump` (C and Python) and `ingest mrt`.

    python benchmarks/fuzz_mrt.py                 # 10,000 cases per path, seed 16
    python benchmarks/fuzz_mrt.py --cases 500     # while developing

Seeds: the start (up to 12 KiB, whole records) of every MRT file in tests/fixtures/conformance/mrt
and tests/fixtures/mrt, decompressed. Each case runs on the same bytes `mrt dump`'s path
(``DumpDecoder``: the C fast path, Python for the rest, then the no-record check) beside the
pure-Python element path formatted by ``bgpdump_line`` (which must give the same text), and
`ingest mrt`'s (the route stream into the visibility aggregator). Mutations are
benchmarks/fuzz_mutations.py's, plus binary fields set to huge values; each path runs in a child
process with a per-case timeout (a hang, even in C, is killed and counted). Prints one JSON
line per path: {"parser", "cases", "crashes", "hangs", "seconds", "outcomes", ...}; the goal is
0 and 0. The dump line's outcomes count ``mismatch``: cases where the C and Python texts differ.
"""

from __future__ import annotations

import argparse
import bz2
import functools
import gzip
import json
import random
import struct
from pathlib import Path

from fuzz_mutations import Tally, Worker, mutate
from netvigil.model.errors import InputError
from netvigil.pipeline.bgp import default_mapper
from netvigil.sources.bgp_visibility import EntityMap, VisibilityAggregator
from netvigil.sources.mrt import ParseReport, bgpdump_line, require_records
from netvigil.sources.mrt.bgpdump import DumpDecoder
from netvigil.sources.mrt.decoder import MrtDecoder, iter_records

ROOT = Path(__file__).resolve().parents[1]
SEED_DIRS = (ROOT / "tests" / "fixtures" / "conformance" / "mrt", ROOT / "tests" / "fixtures" / "mrt")
SEED_BYTES = 12 * 1024
HUGE_FIELDS = (b"\xff\xff", b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x00", b"\x80\x00\x00\x00")


def _plain(path: Path) -> bytes:
    """A file's bytes, decompressed by its magic."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:3] == b"BZh":
        return bz2.decompress(data)
    return data


def _whole_records(data: bytes, limit: int) -> bytes:
    """The longest run of whole records from the start, within ``limit`` bytes (at least one)."""
    pos = 0
    while pos + 12 <= len(data):
        end = pos + 12 + struct.unpack_from(">I", data, pos + 8)[0]
        if end > len(data) or (end > limit and pos):
            break
        pos = end
    return data[:pos]


def seeds() -> list[bytes]:
    """The start of every MRT fixture, decompressed."""
    found = []
    for folder in SEED_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix not in {".md", ".rst", ".json", ".txt"}:
                start = _whole_records(_plain(path), SEED_BYTES)
                if start:
                    found.append(start)
    return found


def make_case(inputs: list[bytes], rng: random.Random) -> bytes:
    """A seed mutated (benchmarks/fuzz_mutations.py), or with binary fields set to huge values."""
    data = rng.choice(inputs)
    if rng.random() < 0.3:
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            value = rng.choice(HUGE_FIELDS)
            at = rng.randrange(len(out) + 1)
            out[at : at + len(value)] = value
        return bytes(out)
    return mutate(data, rng)


def dump_c(data: bytes) -> bytes:
    """`mrt dump`'s text of the bytes (C fast path), raising InputError as the command would."""
    report = ParseReport()
    text = b"".join(iter_records(iter([data]), report, DumpDecoder()))
    require_records("<case>", report)
    return text


def dump_python(data: bytes) -> bytes:
    """The same text by the pure-Python element path."""
    report = ParseReport()
    elements = iter_records(iter([data]), report, MrtDecoder().elements)
    return "".join(bgpdump_line(e) + "\n" for e in elements).encode()


def run_dump(data: bytes) -> str:
    """Both dump paths on the case: ``same`` or ``mismatch`` text, or ``input_error`` (no record)."""
    python = dump_python(data)
    try:
        text = dump_c(data)
    except InputError:
        return "input_error"
    return "same" if text == python else "mismatch"


@functools.cache
def _entities() -> EntityMap:
    """The prefix → entities map `ingest mrt` uses, loaded once per worker."""
    return default_mapper().entities


def run_ingest(data: bytes) -> str:
    """`ingest mrt`'s reading of the bytes: routes into the visibility aggregator (no store)."""
    report = ParseReport()
    agg = VisibilityAggregator(_entities(), "fuzz")
    for _ in agg.feed(iter_records(iter([data]), report, MrtDecoder().routes)):
        pass
    agg.flush()
    try:
        require_records("<case>", report)
    except InputError:
        return "input_error"
    return "damaged" if report.damaged else "accepted"


def main() -> None:
    """Run the cases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases per path (default 10,000)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case before it is a hang")
    args = parser.parse_args()
    inputs = seeds()
    rng = random.Random(f"mrt:{args.seed}")
    dump, ingest = Tally("mrt dump (C fast path and pure Python)"), Tally("ingest mrt")
    dump_worker, ingest_worker = Worker(run_dump, args.timeout), Worker(run_ingest, args.timeout)
    try:
        for _ in range(args.cases):
            data = make_case(inputs, rng)
            dump.count(*dump_worker(data))
            ingest.count(*ingest_worker(data))
    finally:
        dump_worker.close()
        ingest_worker.close()
    for tally in (dump, ingest):
        print(json.dumps({**tally.line(), "seeds": len(inputs)}))


if __name__ == "__main__":
    main()
