"""Detection at the scale of a global observatory: 75,000 entities x 4 signals (issue 13).

Two figures, one JSON line each:
- ``detect_streaming_bin``: the streaming detector on one 5-minute bin for all series, after a few
  days of warm history (mean, p99 and max per bin over the last day fed, and the bin that ends a
  day), with the state it holds per series. Goal: < 5 s per bin.
- ``detect_batch_month``: batch detection of 30 days of 5-minute bins (8,640 bins) on Dask with 1
  and 2 workers. 300,000 series x 8,640 bins do not fit in one process, so each partition's data
  is generated ON THE WORKER from a seed (generation and detection timed apart); the wall time,
  points/s, peak memory per worker and the 2-worker / 1-worker throughput ratio are reported.

Run: .venv/bin/python benchmarks/bench_detect_scale.py (full sizes: minutes and ~25 GB for the
streaming state at 75,000 entities). While developing: --entities 2000 --days 7.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_detector import SIGNALS, STEP, T0, emit, make_matrix, peak_rss_mib
from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import RawDetection, levels_for, merge_raw, raw_levels
from netvigil.detect.grid import grid_covering
from netvigil.detect.streaming import StreamingDetector
from netvigil.pipeline.cluster import ClusterSpec, connect, run_tasks

BINS_PER_DAY = 86_400 // STEP


def streaming(entities: int, warm_days: int) -> None:
    """Feed ``warm_days`` days, then one more day, timing every bin of that last day."""
    days = warm_days + 1
    started = time.perf_counter()
    keys, matrix = make_matrix(entities, days, seed=1)
    generated = time.perf_counter() - started
    detector = StreamingDetector(keys, STEP, T0, {})
    place = {key: i for i, key in enumerate(keys)}
    order = np.array([place[k] for k in detector.keys]) if keys != detector.keys else None
    flat = matrix.reshape(len(keys), -1)
    del matrix
    timings: list[float] = []
    for b in range(flat.shape[1]):
        column = flat[:, b] if order is None else flat[order, b]
        began = time.perf_counter()
        detector.feed_array(T0 + b * STEP, column)
        if b >= warm_days * BINS_PER_DAY:
            timings.append(time.perf_counter() - began)
    emit(
        figure="detect_streaming_bin",
        entities=entities,
        signals=len(SIGNALS),
        series=len(keys),
        warm_days=warm_days,
        bins_timed=len(timings),
        mean_ms=round(1000 * float(np.mean(timings)), 1),
        p99_ms=round(1000 * float(np.percentile(timings, 99)), 1),
        max_ms=round(1000 * max(timings), 1),
        day_end_bin_ms=round(1000 * timings[-1], 1),
        state_bytes_per_series=round(detector.memory_bytes() / len(keys)),
        peak_rss_mib=round(peak_rss_mib()),
        generation_seconds=round(generated, 1),
        events=len(detector.raw_events()),
        goal_ms=5000,
    )


@dataclass(frozen=True, slots=True)
class Part:
    """One partition of the batch month: which entities, how many days, from which seed."""

    index: int
    first: int
    entities: int
    days: int


@dataclass(frozen=True, slots=True)
class PartResult:
    """What a worker reports: the raw events, its timings and its process's peak memory."""

    found: RawDetection
    generate_seconds: float
    detect_seconds: float
    points: int
    worker: int
    peak_rss_mib: float


def detect_part(part: Part) -> PartResult:
    """A Dask task: generate one partition's series from its seed, then detect on them."""
    started = time.perf_counter()
    keys, matrix = make_matrix(part.entities, part.days, seed=1000 + part.index, first=part.first)
    generated = time.perf_counter()
    config = DetectorConfig()
    grid = grid_covering(STEP, T0, T0 + part.days * 86_400 - 1)
    levels = levels_for(grid, keys, matrix, config)
    points = matrix.size
    del matrix
    found = raw_levels([levels], {}, config)
    done = time.perf_counter()
    return PartResult(found, generated - started, done - generated, points, os.getpid(), process_peak_mib())


def process_peak_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def batch(entities: int, days: int, per_part: int, workers: int) -> dict[str, float]:
    parts = [
        Part(i, first, min(per_part, entities - first), days)
        for i, first in enumerate(range(0, entities, per_part))
    ]
    spec = ClusterSpec(workers=workers)
    with connect(spec) as client:
        started = time.perf_counter()
        finished = run_tasks(client, spec, detect_part, parts, name=lambda p: f"month-{p.index}")
        results = [result for _, result in finished]
        merged = merge_raw([r.found for r in results])
        wall = time.perf_counter() - started
    points = sum(r.points for r in results)
    peaks: dict[int, float] = {}
    for r in results:
        peaks[r.worker] = max(peaks.get(r.worker, 0.0), r.peak_rss_mib)
    figure = {
        "figure": "detect_batch_month",
        "workers": workers,
        "entities": entities,
        "signals": len(SIGNALS),
        "days": days,
        "bins": days * BINS_PER_DAY,
        "partitions": len(parts),
        "points": points,
        "wall_seconds": round(wall, 1),
        "points_per_second": round(points / wall),
        "generate_seconds_all_tasks": round(sum(r.generate_seconds for r in results), 1),
        "detect_seconds_all_tasks": round(sum(r.detect_seconds for r in results), 1),
        "detect_points_per_second_per_worker": round(points / sum(r.detect_seconds for r in results)),
        "peak_rss_mib_per_worker": sorted(round(v) for v in peaks.values()),
        "raw_events": len(merged.raw),
    }
    emit(**figure)
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=75_000, help="entities (x 4 signals)")
    parser.add_argument(
        "--streaming-entities", type=int, help="entities for the streaming figure (default: --entities)"
    )
    parser.add_argument("--warm-days", type=int, default=3, help="days fed before the timed day (streaming)")
    parser.add_argument("--days", type=int, default=30, help="days in the batch month")
    parser.add_argument("--partition-entities", type=int, default=1000, help="entities per batch partition")
    parser.add_argument("--skip-streaming", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()
    if not args.skip_streaming:
        streaming(args.streaming_entities or args.entities, args.warm_days)
    if args.skip_batch:
        return
    one = batch(args.entities, args.days, args.partition_entities, 1)
    two = batch(args.entities, args.days, args.partition_entities, 2)
    emit(
        figure="detect_batch_month_scaling",
        entities=args.entities,
        days=args.days,
        ratio_2w_over_1w=round(two["points_per_second"] / one["points_per_second"], 2),
        cores=os.cpu_count(),
    )


if __name__ == "__main__":
    main()
