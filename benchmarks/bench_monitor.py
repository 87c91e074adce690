"""Public-source backfill throughput and the time from ``netvigil monitor`` to its first detection.

Against the loopback replays of January 2022 (SYNTHETIC, ``netvigil.sim.replays``), with no
politeness delay, so the figures are netvigil's own cost (fetching, parsing, storing), not the
public services' limits. Prints one JSON object per figure:

- per source: points/s and MB/s of a 14-day backfill of Kazakhstan into a fresh store;
- ``monitor_first_detection``: seconds from starting ``netvigil monitor KZ --since 14d --once``
  (a new process, a new store) until its events are printed.

Run: .venv/bin/python benchmarks/bench_monitor.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netvigil.model.events import parse_iso
from netvigil.pipeline.monitor import Backfill, watchlist
from netvigil.sim.replays import END, REPLAYS, serving
from netvigil.store import open_store

DAY = 86_400


def emit(**figure: object) -> None:
    print(json.dumps(figure), flush=True)


def backfill_figures(env: dict[str, str], folder: Path, source: str, days: int) -> None:
    """Backfill one source into a fresh store and print its throughput."""
    until = parse_iso(END)
    with open_store(folder / f"{source}.duckdb") as store:
        run = Backfill(store, watchlist(["KZ"]), [source], env=env, cache_root=folder / f"cache-{source}")
        started = time.perf_counter()
        (report,) = run.run(until - days * DAY, until)
        seconds = time.perf_counter() - started
    emit(
        figure="backfill", source=source, days=days, seconds=round(seconds, 2), points=report.points,
        points_per_s=round(report.points / seconds), requests=report.requests,
        mb_per_s=round(report.bytes / 1e6 / seconds, 2), failures=len(report.failures),
    )  # fmt: skip


def first_detection(env: dict[str, str], folder: Path) -> None:
    """Seconds from starting ``netvigil monitor --once`` in a new process to its events."""
    sources = ",".join(r.source for r in REPLAYS)
    args = ["monitor", "KZ", "--since", "14d", "--until", END, "--sources", sources, "--once"]
    args.append("--no-progress")
    args += ["--format", "jsonl", "--db", str(folder / "m.duckdb")]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "netvigil.cli", *args],
        env={**os.environ, **env, "NETVIGIL_CACHE_DIR": str(folder / "cache-monitor")},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    events = [json.loads(line) for line in done.stdout.splitlines()]
    emit(figure="monitor_first_detection", seconds=round(seconds, 2), events=len(events), sources=sources)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="netvigil-bench-") as tmp, serving() as env:
        folder = Path(tmp)
        for replay in REPLAYS:
            backfill_figures(env, folder, replay.source, 14)
        first_detection(env, folder)


if __name__ == "__main__":
    main()
