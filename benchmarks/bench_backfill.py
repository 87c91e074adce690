"""Backfill throughput on Dask: 1 worker, 2 workers and the single-process ingest, on the same files.

    python benchmarks/bench_backfill.py             # 24 copies of the 2016 RIS updates file
    python benchmarks/bench_backfill.py --files 4   # quick, while developing

The files are copies of tests/fixtures/mrt/ris_updates.20160811.1600.gz (41,234 elements) named as
consecutive 5-minute RIS files (updates.20160811.0000.gz, .0005, …). Each run gets a fresh store
and a fresh manifest. The cluster is started (and its workers have loaded the prefix mapping)
before the clock starts, so the figures are the backfill's own; the start-up is its own line.

Prints one JSON object per line: elements/s and files/s of each path, the scaling ratio 2w/1w
(issue 13's goal: at least 1.7 on a 2-core machine), whether 1w, 2w and the single process wrote
the same points bit for bit, the machine's load average before the runs, and the client's share
alone (a re-run whose files are all in the manifest: the serial part that bounds many workers).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from netvigil.pipeline.backfill import backfill_bgp
from netvigil.pipeline.bgp import default_mapper, ingest_bgp_files
from netvigil.pipeline.cluster import ClusterSpec, connect
from netvigil.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
UPDATES = ROOT / "tests" / "fixtures" / "mrt" / "ris_updates.20160811.1600.gz"
ELEMENTS_PER_FILE = 41_234
GOAL = "2 workers >= 1.7x the throughput of 1 on a 2-core machine; signals equal bit for bit"


def emit(**fields: Any) -> None:
    """One JSON line."""
    print(json.dumps(fields), flush=True)


def copies(folder: Path, count: int) -> list[Path]:
    """``count`` copies of the updates file, named as consecutive 5-minute RIS files."""
    paths = []
    for k in range(count):
        path = folder / f"updates.20160811.{(5 * k) // 60:02d}{(5 * k) % 60:02d}.gz"
        shutil.copyfile(UPDATES, path)
        paths.append(path)
    return paths


def contents(store: Store) -> list[tuple[str, str, list[int], list[float]]]:
    """Every stored series, for an exact comparison."""
    return [(s.entity, s.signal, s.times.tolist(), s.values.tolist()) for s in store.read_series()]


def single(work: Path, paths: list[Path]) -> tuple[float, list]:  # type: ignore[type-arg]
    """Seconds of the single-process ingest, and what it wrote."""
    with open_store(work / "single.duckdb") as store:
        started = time.perf_counter()
        ingest_bgp_files(store, paths, mapper=default_mapper())
        seconds = time.perf_counter() - started
        return seconds, contents(store)


def distributed(work: Path, paths: list[Path], workers: int) -> tuple[float, float, list]:  # type: ignore[type-arg]
    """Cluster start-up seconds, backfill seconds, and what it wrote, with ``workers`` local workers."""
    started = time.perf_counter()
    with connect(ClusterSpec(workers=workers)) as client:
        spec = ClusterSpec(scheduler=client.scheduler.address)
        warm = work / f"warm{workers}"
        warm.mkdir()
        with open_store(warm / "warm.duckdb") as store:
            backfill_bgp(store, copies(warm, 2 * workers), spec, manifest_root=warm / "manifest")
        startup = time.perf_counter() - started
        with open_store(work / f"w{workers}.duckdb") as store:
            started = time.perf_counter()
            backfill_bgp(store, paths, spec, manifest_root=work / f"manifest{workers}")
            seconds = time.perf_counter() - started
            return startup, seconds, contents(store)


def resumed(work: Path, paths: list[Path]) -> tuple[float, list]:  # type: ignore[type-arg]
    """Seconds of a backfill whose every file is in the manifest (the 2-worker run's), and what it wrote."""
    with open_store(work / "resumed.duckdb") as store:
        started = time.perf_counter()
        done = backfill_bgp(store, paths, ClusterSpec(workers=1), manifest_root=work / "manifest2")
        seconds = time.perf_counter() - started
        assert done.read == 0 and done.reused == len(paths), "the manifest should have held every file"
        return seconds, contents(store)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=24, help="how many copies (default 24)")
    args = parser.parse_args()
    emit(figure="load_average_before", value=os.getloadavg()[0], cores=os.cpu_count())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["NETVIGIL_CACHE_DIR"] = str(work / "cache")
        inputs = work / "in"
        inputs.mkdir()
        paths = copies(inputs, args.files)
        elements = ELEMENTS_PER_FILE * len(paths)
        seconds, expected = single(work, paths)
        emit(figure="single_process", files=len(paths), seconds=round(seconds, 3),
             elements_per_s=round(elements / seconds), files_per_s=round(len(paths) / seconds, 2))
        rates = {}
        for workers in (1, 2):
            startup, seconds, got = distributed(work, paths, workers)
            rates[workers] = elements / seconds
            emit(figure=f"backfill_{workers}w", files=len(paths), seconds=round(seconds, 3),
                 elements_per_s=round(rates[workers]), files_per_s=round(len(paths) / seconds, 2),
                 cluster_startup_s=round(startup, 2), equal_to_single_process_bit_for_bit=got == expected)
        emit(figure="scaling_2w_over_1w", value=round(rates[2] / rates[1], 2), goal=GOAL,
             met=rates[2] / rates[1] >= 1.7, load_average_after=os.getloadavg()[0])
        seconds, got = resumed(work, paths)
        emit(figure="client_merge_alone", files=len(paths), seconds=round(seconds, 3),
             elements_per_s=round(elements / seconds), equal_to_single_process_bit_for_bit=got == expected,
             what="a re-run into a new store with every file in the manifest: no worker runs, so this is "
                  "the client's share alone (hashing, reading partials back, the ordered merge, the store)")


if __name__ == "__main__":
    main()
