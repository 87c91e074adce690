"""OONI classification and import speed on >= 1 M measurements, and memory as input grows.

The real OONI measurements of tests/fixtures/ooni (those of the tests netvigil scores for
services: web_connectivity, whatsapp, telegram, signal, tor; 21 KB each on average) are repeated
with fresh report ids, generated on the fly so the input never sits in memory. Figures, one JSON
line each:

* ``ooni_classify``: parse (lazy simdjson document) + envelope check + verdict, per second on one core;
* ``ooni_import``: parse + envelope check + verdict + batched insert into a DuckDB store (envelope
  and verdict kept, ``--no-body``) + reachability signal, per second on one core;
* ``reference_json_loads``: the stdlib ``json.loads`` alone on the same lines in the same run —
  the least any Python reader of OONI's JSON must do; ``ratio`` = netvigil's rate / this rate;
* ``memory``: peak RSS after each quarter of the input (flat = streaming works).

Rates are per CPU-second of this process (``time.process_time``), i.e. per core, so a machine
shared with other work does not distort them; wall seconds are printed too. DuckDB may use a
second thread while inserting, which the CPU time includes.

Goal (issue 5): >= 20,000 measurements/s per core, memory flat. Default: 1,000,000 measurements
(about two minutes); ``--count`` to change it.
Run: .venv/bin/python benchmarks/bench_ooni.py
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from netvigil.detect.ooni import classify
from netvigil.pipeline.ooni import import_lines
from netvigil.sources.ooni import BadLine, Line, parse_line
from netvigil.store import open_store

FIXTURE = Path(__file__).parents[1] / "tests" / "fixtures" / "ooni" / "ooni_backend_fastpath_fixtures.jsonl"
SERVICE_TESTS = (b'"web_connectivity"', b'"whatsapp"', b'"telegram"', b'"signal"', b'"tor"')
MARK = b'"report_id":"'


def emit(**figure: object) -> None:
    print(json.dumps(figure), flush=True)


def templates() -> list[tuple[bytes, bytes]]:
    """Each fixture line split around its report id value, so fresh ids cost one concatenation."""
    out = []
    for line in FIXTURE.read_bytes().splitlines():
        compact = json.dumps(json.loads(line), separators=(",", ":")).encode()
        if not any(b'"test_name":' + t in compact for t in SERVICE_TESTS):
            continue
        head, _, rest = compact.partition(MARK)
        _, _, tail = rest.partition(b'"')
        out.append((head + MARK, b'"' + tail))
    return out


def lines(count: int) -> Iterator[bytes]:
    """``count`` measurements: the templates in turn, each with a new report id."""
    parts = templates()
    for n in range(count):
        head, tail = parts[n % len(parts)]
        yield head + b"20220105T000000Z_bench_KZ_29355_n1_%016d" % n + tail


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_classify(count: int) -> None:
    quarter = max(1, count // 4)
    marks: dict[str, float] = {}
    start, cpu = time.perf_counter(), time.process_time()
    verdicts: dict[str, int] = {}
    for n, raw in enumerate(lines(count), start=1):
        parsed = parse_line(raw)
        if isinstance(parsed, dict):
            verdict = classify(parsed).verdict
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if n % quarter == 0:
            marks[str(n)] = round(rss_mb(), 1)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    emit(figure="ooni_classify", measurements=count, wall_seconds=round(seconds, 2),
         cpu_seconds=round(cpu, 2), per_second_per_core=round(count / cpu), goal=20000,
         verdicts=verdicts)  # fmt: skip
    emit(figure="memory", stage="classify", peak_rss_mb_after=marks)


def bench_reference(count: int) -> float:
    sample = min(count, 200_000)
    cpu = time.process_time()
    for raw in lines(sample):
        json.loads(raw)
    rate = sample / (time.process_time() - cpu)
    emit(figure="reference_json_loads", measurements=sample, per_second_per_core=round(rate))
    return rate


def bench_import(count: int, reference: float) -> None:
    quarter = max(1, count // 4)
    marks: dict[str, float] = {}

    def parsed() -> Iterator[Line]:
        for n, raw in enumerate(lines(count), start=1):
            msm = parse_line(raw)
            if isinstance(msm, dict):
                yield Line(n, msm, raw)
            if n % quarter == 0:
                marks[str(n)] = round(rss_mb(), 1)

    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "bench.duckdb") as store:
        bad: list[BadLine] = []
        start, cpu = time.perf_counter(), time.process_time()
        result = import_lines(store, parsed(), bad, keep_body=False)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rate = count / cpu
    emit(figure="ooni_import", measurements=count, stored=result.accepted, wall_seconds=round(seconds, 2),
         cpu_seconds=round(cpu, 2),
         per_second_per_core=round(rate), goal=20000,
         ratio_to_json_loads=round(rate / reference, 2))  # fmt: skip
    emit(figure="memory", stage="import", peak_rss_mb_after=marks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="measurements per figure")
    args = parser.parse_args()
    reference = bench_reference(args.count)
    cpu = time.process_time()
    bench_classify(args.count)
    classify_rate = args.count / (time.process_time() - cpu)
    emit(figure="ooni_classify_ratio", ratio_to_json_loads=round(classify_rate / reference, 2))
    bench_import(args.count, reference)


if __name__ == "__main__":
    main()
