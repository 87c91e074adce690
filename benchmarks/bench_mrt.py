"""MRT decoding and BGP visibility speed, beside Debian's bgpdump on the same files, in one run.

    python benchmarks/bench_mrt.py            # 2016 RIS updates + a generated RIB of 50k prefixes x 20 peers
    python benchmarks/bench_mrt.py --full     # the generated RIB is 1M prefixes x 20 peers

Files: the 2016 RIS UPDATES file (5 minutes, 41,234 elements); the same file 12 times in one
(.x12: an hour's worth in one process, as `netvigil ingest mrt` takes many files); the RIB.

Prints one JSON object per line and figure: elements per second of `netvigil mrt dump` and of the
visibility aggregation (decode + routing table + per-entity bins), `bgpdump -m > /dev/null` on the
same file, the ratio of times (netvigil / bgpdump; wall clock and CPU), and each process's peak
memory. Also the decoder comparison behind docs/design/mrt-decoder.md (mrtparse, pybgpkit-parser).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from netvigil.pipeline.bgp import default_mapper
from netvigil.sources.bgp_visibility import VisibilityAggregator, VisibilityConfig
from netvigil.sources.gc_pause import paused_gc
from netvigil.sources.mrt import ParseReport, bgpdump_line, dump_text, read_elements, read_routes


def _optional(name: str) -> ModuleType | None:
    """A decoder to compare with, if installed (they are in the dev extra)."""
    try:
        return __import__(name)
    except ImportError:
        return None


ROOT = Path(__file__).resolve().parents[1]
UPDATES = ROOT / "tests" / "fixtures" / "mrt" / "ris_updates.20160811.1600.gz"
CLI = "from netvigil.cli.main import main; main()"


def _hwm_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM, reset by exec), or 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(argv: list[str]) -> dict[str, float]:
    """Run a command with output to /dev/null; wall seconds, CPU seconds and peak memory of that child.

    Peak memory is read from /proc while it runs (VmHWM counts from exec on; the rusage figure
    would include this Python process, which the child starts as a copy of).
    """
    devnull = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=devnull)
    peak = 0.0
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        peak = max(peak, _hwm_mib(pid))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mib": peak}


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def compare(
    figure: str,
    path: Path,
    elements: int,
    ours: dict[str, float],
    ref: dict[str, float] | None,
    startup: dict[str, float] | None = None,
) -> None:
    """One JSON line: our figures, bgpdump's, and the ratios (also without the CLI's start-up time)."""
    out: dict[str, Any] = {
        "figure": figure,
        "file": path.name,
        "elements": elements,
        "netvigil_elements_per_s": round(elements / ours["wall_s"]),
        "netvigil_wall_s": round(ours["wall_s"], 3),
        "netvigil_cpu_s": round(ours["cpu_s"], 3),
        "netvigil_peak_mib": round(ours["peak_mib"], 1),
    }
    if ref is not None:
        out |= {
            "bgpdump_elements_per_s": round(elements / ref["wall_s"]),
            "bgpdump_wall_s": round(ref["wall_s"], 3),
            "bgpdump_cpu_s": round(ref["cpu_s"], 3),
            "bgpdump_peak_mib": round(ref["peak_mib"], 1),
            "ratio_wall": round(ours["wall_s"] / ref["wall_s"], 2),
            "ratio_cpu": round(ours["cpu_s"] / ref["cpu_s"], 2),
            "ratio_peak_memory": round(ours["peak_mib"] / ref["peak_mib"], 2),
        }
        if startup is not None:
            out["netvigil_startup_cpu_s"] = round(startup["cpu_s"], 3)
            out["ratio_cpu_without_startup"] = round((ours["cpu_s"] - startup["cpu_s"]) / ref["cpu_s"], 2)
    emit(**out)


def count_elements(path: Path) -> int:
    """Elements in a file, by our decoder (the tests pin it to bgpdump's count)."""
    return sum(1 for _ in read_elements(path, ParseReport()))


def visibility_child(path: str, full_feed: int) -> None:
    """Child process: decode + aggregate a file (no store), print the points made.

    The mapping tables (operators, geoip2fast's IPv4 and IPv6 registry data) are loaded first, so
    the start-up run (``/dev/null``) measures imports and set-up, and the rest is per element.
    """
    mapper = default_mapper()
    mapper.entities("192.0.2.0/24", None)
    mapper.entities("2001:db8::/32", None)
    agg = VisibilityAggregator(mapper.entities, "bench", VisibilityConfig(full_feed_v4=full_feed))
    with paused_gc():
        points = sum(len(c) for c in agg.feed(read_routes(Path(path), ParseReport())))
    print(points + len(agg.flush()))


def _rate(decoder: str, path: Path, unit: str, count: Callable[[], int]) -> None:
    """Time one decoder over a file (``count`` reads it and says how many units) and print the rate."""
    start = time.perf_counter()
    n = count()
    rate = round(n / (time.perf_counter() - start))
    emit(**{"figure": "decoder", "decoder": decoder, "file": path.name, unit: n, f"{unit}_per_s": rate})


def _dump_text(path: Path) -> int:
    report = ParseReport()
    for _ in dump_text(path, report):
        pass
    return report.elements


def decoders(path: Path) -> None:
    """The decoder comparison: elements (or records) per second of each candidate, in-process."""
    _rate("netvigil dump_text (bgpdump text; C fast path)", path, "elements", lambda: _dump_text(path))
    lines = (bgpdump_line(e) for e in read_elements(path, ParseReport()))
    _rate("netvigil elements + bgpdump_line (Python)", path, "elements", lambda: sum(1 for _ in lines))
    if (pybgpkit_parser := _optional("pybgpkit_parser")) is not None:
        parser = pybgpkit_parser.Parser(str(path))
        _rate("pybgpkit-parser 0.3.0 (dicts)", path, "elements", lambda: sum(1 for _ in parser))
    if (mrtparse := _optional("mrtparse")) is not None:
        reader = mrtparse.Reader(str(path))
        _rate("mrtparse 2.2.0 (records, not elements)", path, "records", lambda: sum(1 for _ in reader))


def bench_file(path: Path, full_feed: int, elements: int | None = None) -> None:
    """Dump and visibility figures of one file, with bgpdump beside them."""
    bgpdump = shutil.which("bgpdump")
    elements = elements or count_elements(path)
    ref = run([bgpdump, "-m", str(path)]) if bgpdump else None
    startup = run([sys.executable, "-c", CLI, "mrt", "--help"])
    ours = run([sys.executable, "-c", CLI, "mrt", "dump", str(path)])
    compare("mrt_dump", path, elements, ours, ref, startup)
    child = [sys.executable, __file__, "--full-feed", str(full_feed), "--child-visibility"]
    startup = run([*child, os.devnull])  # imports and mapper set-up, no input
    ours = run([*child, str(path)])
    compare("visibility", path, elements, ours, ref, startup)


def bench_rib_decoders(path: Path) -> None:
    """The decoder comparison on a RIB (the generated one): where the C walk matters."""
    _rate("netvigil dump_text (bgpdump text; C fast path)", path, "elements", lambda: _dump_text(path))
    if (pybgpkit_parser := _optional("pybgpkit_parser")) is not None:
        parser = pybgpkit_parser.Parser(str(path))
        _rate("pybgpkit-parser 0.3.0 (dicts)", path, "elements", lambda: sum(1 for _ in parser))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="generated RIB of 1M prefixes x 20 peers")
    parser.add_argument("--prefixes", type=int, help="generated RIB size (default 50k, --full 1M)")
    parser.add_argument("--child-visibility", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--full-feed", type=int, default=400_000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault(
        "OPENBLAS_NUM_THREADS", "1"
    )  # as `netvigil` sets it (cli/main.py), for the children
    if args.child_visibility:
        visibility_child(str(args.child_visibility), args.full_feed)
        return
    from gen_rib import generate  # noqa: PLC0415 - keeps the visibility child's start-up to what it measures

    prefixes = args.prefixes or (1_000_000 if args.full else 50_000)
    decoders(UPDATES)
    bench_file(UPDATES, full_feed=400_000)
    with tempfile.TemporaryDirectory() as tmp:
        hour = Path(tmp) / "ris_updates.20160811.1600.x12.gz"
        hour.write_bytes(UPDATES.read_bytes() * 12)  # gzip members one after the other
        bench_file(hour, full_feed=400_000)
        rib = Path(tmp) / f"rib_{prefixes}x20.mrt.gz"
        elements = generate(rib, prefixes, 20)
        bench_file(rib, full_feed=prefixes // 2, elements=elements)
        bench_rib_decoders(rib)


if __name__ == "__main__":
    main()
