"""Detector throughput: one year of 5-minute bins for 300 entities x 4 signals (~126 M points).

Prints one JSON object per figure: batch points/s and wall time, peak memory (RSS), and the
streaming update time per bin for all entities. Run: .venv/bin/python benchmarks/bench_detector.py
(--days 30 for a quick look). Goals (issue "The spine"): batch < 60 s and < 4 GiB; a streaming
bin for all 300 entities < 1 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np

from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import detect_levels, levels_for
from netvigil.detect.grid import grid_covering
from netvigil.detect.hierarchy import EntityInfo
from netvigil.detect.streaming import StreamingDetector

SIGNALS = ("bgp", "probe", "traffic", "bgp6")
T0 = 1_609_459_200  # 2021-01-01
STEP = 300


def emit(**figure: object) -> None:
    print(json.dumps(figure), flush=True)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_matrix(
    entities: int, days: int, seed: int = 0, first: int = 0
) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Series x days x bins-per-day, float32, with daily cycles, noise and a few blackouts.

    The entities are ``asn:(64512 + first)`` onwards, so separate calls can make disjoint parts.
    """
    rng = np.random.default_rng(seed)
    keys = [(f"asn:{64512 + first + e}", s) for e in range(entities) for s in SIGNALS]
    period = 86_400 // STEP
    hours = np.arange(period) * STEP / 3600
    matrix = np.empty((len(keys), days, period), dtype=np.float32)
    for i in range(len(keys)):
        level = rng.uniform(100, 10_000)
        shape = 1 + rng.uniform(0.0, 0.4) * np.cos(2 * np.pi * (hours - rng.uniform(0, 24)) / 24)
        matrix[i] = (level * shape)[None, :] * rng.lognormal(0, 0.03, (days, period)).astype(np.float32)
    for e in range(0, entities, 30):
        day = int(rng.integers(days // 2, days - 1))
        matrix[e * 4 : e * 4 + 4, day, 100:180] *= 0.03
    return keys, matrix


def batch(entities: int, days: int) -> None:
    keys, matrix = make_matrix(entities, days)
    points = matrix.size
    grid = grid_covering(STEP, T0, T0 + days * 86_400 - 1)
    info = {k[0]: EntityInfo(k[0]) for k in keys}
    config = DetectorConfig()
    started = time.perf_counter()
    levels = levels_for(grid, keys, matrix, config)
    baseline_done = time.perf_counter()
    found = detect_levels([levels], info, config)
    elapsed = time.perf_counter() - started
    emit(
        figure="detector_batch",
        entities=entities,
        signals=len(SIGNALS),
        days=days,
        points=points,
        seconds=round(elapsed, 2),
        baseline_seconds=round(baseline_done - started, 2),
        points_per_second=round(points / elapsed),
        events=len(found.events),
        goal_seconds=60,
    )
    emit(figure="detector_batch_peak_memory", mib=round(peak_rss_mib()), goal_mib=4096)


def streaming(entities: int, days: int = 3) -> None:
    keys, matrix = make_matrix(entities, days, seed=1)
    info = {k[0]: EntityInfo(k[0]) for k in keys}
    detector = StreamingDetector(keys, STEP, T0, info)
    order = [detector.index[k] for k in keys]
    timings: list[float] = []
    flat = matrix.reshape(len(keys), -1)
    for b in range(flat.shape[1]):
        values = {keys[i]: float(flat[i, b]) for i in range(len(keys))}
        started = time.perf_counter()
        detector.feed(T0 + b * STEP, values)
        timings.append(time.perf_counter() - started)
    del order
    emit(
        figure="detector_streaming_bin",
        entities=entities,
        signals=len(SIGNALS),
        bins=len(timings),
        mean_ms=round(1000 * float(np.mean(timings)), 2),
        p99_ms=round(1000 * float(np.percentile(timings, 99)), 2),
        max_ms=round(1000 * max(timings), 2),
        goal_ms=1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args()
    streaming(args.entities)
    if not args.skip_batch:
        batch(args.entities, args.days)


if __name__ == "__main__":
    main()
