"""Fuzz the MRT decoder on mutated real archives: `mrt dump` (C and Python) and `ingest mrt`.

    python benchmarks/fuzz_mrt.py                 # 10,000 cases per path, seed 16
    python benchmarks/fuzz_mrt.py --cases 500     # while developing

Seeds: the start (up to 12 KiB, whole records) of every MRT file in tests/fixtures/conformance/mrt
and tests/fixtures/mrt, decompressed. Each case runs three paths on the same bytes, each with a
per-case time limit: `mrt dump`'s (``DumpDecoder``: the C fast path, Python for the rest, then the
no-record check), the pure-Python element path formatted by ``bgpdump_line`` (which must give the
same text), and `ingest mrt`'s (the route stream into the visibility aggregator). Prints one JSON
line per path: {"parser", "cases", "crashes", "hangs", "seconds", ...}; the goal is 0 and 0.
The dump line also counts ``mismatches``: cases where the C and Python texts differ.
"""

from __future__ import annotations

import argparse
import bz2
import functools
import gzip
import json
import struct
from collections.abc import Callable
from pathlib import Path

from fuzz_common import Tally, mutations
from netvigil.pipeline.bgp import default_mapper
from netvigil.sources.bgp_visibility import VisibilityAggregator
from netvigil.sources.mrt import ParseReport, bgpdump_line, require_records
from netvigil.sources.mrt.bgpdump import DumpDecoder
from netvigil.sources.mrt.decoder import MrtDecoder, iter_records

ROOT = Path(__file__).resolve().parents[1]
SEED_DIRS = (ROOT / "tests" / "fixtures" / "conformance" / "mrt", ROOT / "tests" / "fixtures" / "mrt")
SEED_BYTES = 12 * 1024


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


class Ingest:
    """`ingest mrt`'s reading of the bytes: routes into the visibility aggregator (no store)."""

    def __init__(self) -> None:
        self.mapper = default_mapper()

    def __call__(self, data: bytes) -> None:
        report = ParseReport()
        agg = VisibilityAggregator(self.mapper.entities, "fuzz")
        for _ in agg.feed(iter_records(iter([data]), report, MrtDecoder().routes)):
            pass
        agg.flush()
        require_records("<case>", report)


def _keep(texts: list[bytes], dump: Callable[[bytes], bytes], data: bytes) -> None:
    """Run one dump path and keep its text, to compare the two paths."""
    texts.append(dump(data))


def main() -> None:
    """Run the cases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases per path (default 10,000)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case before it is a hang")
    args = parser.parse_args()
    inputs = seeds()
    dump, python = Tally("mrt dump (C fast path)"), Tally("mrt dump (pure Python)")
    ingest = Tally("ingest mrt")
    read = Ingest()
    mismatches = 0
    for data in mutations(inputs, args.cases, args.seed):
        texts: list[bytes] = []
        dump.run(functools.partial(_keep, texts, dump_c, data), args.timeout)
        python.run(functools.partial(_keep, texts, dump_python, data), args.timeout)
        mismatches += len(texts) == 2 and texts[0] != texts[1]
        ingest.run(functools.partial(read, data), args.timeout)
    print(json.dumps({**json.loads(dump.line()), "mismatches": mismatches, "seeds": len(inputs)}))
    print(python.line())
    print(ingest.line())


if __name__ == "__main__":
    main()
