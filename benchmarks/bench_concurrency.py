"""Serve and other commands at once: API latency during a concurrent ingest, and what the service costs.

``netvigil serve`` runs in a process of its own on a DuckDB store; a thread keeps asking its API
(events and a country's signals, cache off) while, from other processes, ``netvigil ingest
signals`` writes a generated file through the store service, then ``detect`` and ``events`` run.
Prints one JSON object per line per figure:
- API latency (p50, p99, max) and failed requests with no other process, and during the ingest;
- the ingest's wall time through the service and directly into a file no one holds (the ratio);
- the time another process needs to open the store through the service (goal: well under 1 s);
- the wall times of ``detect`` and ``events`` run while serve answers.

Goals (issue 13): no error, no wait beyond a second, the API sees the new data.

    .venv/bin/python benchmarks/bench_concurrency.py            # default: 40 entities x 3 signals x 30 days
    .venv/bin/python benchmarks/bench_concurrency.py --quick    # 4 entities x 7 days
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from netvigil.store import open_store
from netvigil.store.backends import endpoint_path
from netvigil.store.service import live_endpoint

STEP = 300
START = 1_640_995_200  # 2022-01-01
SIGNALS = ("bgp", "probe", "traffic")
GOAL = "issue 13: serve keeps answering during ingest/detect/events from other processes; no wait > 1 s"


def emit(**fields: object) -> None:
    print(json.dumps({"benchmark": "concurrency", **fields, "goal": GOAL}), flush=True)


def write_signals(path: Path, entities: int, days: int, offset: int = 0) -> int:
    """A signal CSV of ``entities`` ASNs x 3 signals x ``days`` of 5-minute points."""
    times = START + offset + np.arange(days * 86_400 // STEP, dtype=np.int64) * STEP
    frames = [
        pd.DataFrame({"time": times, "entity": f"asn:{64_500 + e}", "signal": s, "value": 100.0 + (e % 7)})
        for e in range(entities)
        for s in SIGNALS
    ]
    table = pd.concat(frames)
    table.to_csv(path, index=False)
    return len(table)


def netvigil(*args: str, db: Path) -> float:
    """Run one command in its own process; its wall time (it must succeed)."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "netvigil.cli", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"netvigil {' '.join(args)} failed: {done.stderr.strip()}")
    return time.perf_counter() - began


class Requests(threading.Thread):
    """Asks the API again and again; keeps each latency and each failure."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.latencies: list[float] = []
        self.failures = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        paths = ("/api/v1/events", "/api/v1/signals?entity=asn:64500&format=csv")
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while not self.stopping.is_set():
                for path in paths:
                    began = time.perf_counter()
                    try:
                        ok = client.get(path).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    self.latencies.append(time.perf_counter() - began)
                    self.failures += not ok

    def figures(self) -> dict[str, object]:
        ms = sorted(1000 * x for x in self.latencies)
        p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))] if ms else None
        median = statistics.median(ms) if ms else None
        return {"requests": len(ms), "failed": self.failures, "p50_ms": median, "p99_ms": p99,
                "max_ms": ms[-1] if ms else None}  # fmt: skip


def measured(base: str, work: object) -> dict[str, object]:
    """API figures while ``work()`` runs (or for ``work`` seconds when it is a number)."""
    requests = Requests(base)
    requests.start()
    if callable(work):
        work()
    else:
        time.sleep(float(str(work)))
    requests.stopping.set()
    requests.join(timeout=60)
    return requests.figures()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_serve(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "netvigil.cli", "serve", "--db", str(db), "--port", str(port),
         "--setting", "cache_seconds=0", "--setting", "rate_limit_per_minute=0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    path = endpoint_path(db)
    while proc.poll() is None:
        try:
            if httpx.get(f"{base}/api/v1/events").status_code == 200 and path and live_endpoint(path):
                return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("serve did not start")


def open_through_service(db: Path) -> float:
    """Seconds another process takes to open the store through the service (interpreter start excluded)."""
    code = (
        "import time, sys\nfrom netvigil.store import open_store\nt = time.perf_counter()\n"
        "s = open_store(sys.argv[1]); s.list_series()\nprint(time.perf_counter() - t, type(s).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True)
    seconds, kind = done.stdout.split()
    assert kind == "RemoteStore", kind
    return float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=40)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="4 entities x 7 days")
    options = parser.parse_args()
    entities, days = (4, 7) if options.quick else (options.entities, options.days)
    with tempfile.TemporaryDirectory(prefix="netvigil-concurrency-") as folder:
        root = Path(folder)
        base_file, new_file = root / "base.csv", root / "new.csv"
        write_signals(base_file, entities, days)
        points = write_signals(new_file, entities, days, offset=days * 86_400)
        direct_db, served_db = root / "direct.duckdb", root / "served.duckdb"
        netvigil("ingest", "signals", str(base_file), db=direct_db)
        direct = netvigil("ingest", "signals", str(new_file), db=direct_db)
        netvigil("ingest", "signals", str(base_file), db=served_db)
        proc, base = start_serve(served_db)
        try:
            idle = measured(base, 3.0)
            emit(figure="api_latency_idle", **idle)
            timings: dict[str, float] = {}

            def ingest() -> None:
                timings["ingest"] = netvigil("ingest", "signals", str(new_file), db=served_db)

            during = measured(base, ingest)
            emit(figure="api_latency_during_ingest", points=points, **during)
            emit(figure="ingest_wall_s", points=points, through_service=round(timings["ingest"], 3),
                 direct=round(direct, 3), ratio=round(timings["ingest"] / direct, 3))  # fmt: skip
            emit(figure="open_through_service_ms", value=round(1000 * open_through_service(served_db), 1))
            for command in (("detect", "--format", "jsonl"), ("events", "--format", "jsonl")):
                def run(c: tuple[str, ...] = command) -> None:
                    timings[c[0]] = netvigil(*c, db=served_db)

                during = measured(base, run)
                emit(figure=f"{command[0]}_wall_s", value=round(timings[command[0]], 3), api=during)
            seen = httpx.get(f"{base}/api/v1/signals?entity=asn:64500&format=csv").text.count("\n") - 1
            emit(figure="api_sees_new_data", rows_of_asn64500=seen)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        with open_store(served_db, read_only=True) as store:
            stored = sum(i.points for i in store.list_series())
        emit(figure="stored_points", value=stored, expected=2 * points)


if __name__ == "__main__":
    main()
