"""Where an uncached country page's time goes: each API request, and on ClickHouse each query it makes.

Serves a store built by ``bench_serve.py`` in process (the read cache off), asks for the four
requests the country page makes (``bench_serve.country_page_paths``) ``--rounds`` times, and prints
one JSON line per request: the median milliseconds (wall and this process's CPU, which a busy
machine inflates less), and on a ClickHouse store the queries it sent, each with its median
milliseconds and the first 160 characters of its SQL. The first round is also reported apart: it
fills what the backend remembers until the next write (which series each entity has).

    .venv/bin/python benchmarks/profile_country_page.py chdb:///tmp/netvigil-bench/serve-300x365d.chdb
    .venv/bin/python benchmarks/profile_country_page.py /tmp/netvigil-bench/serve-300x365d.duckdb
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from fastapi.testclient import TestClient

from netvigil.model.events import iso, parse_iso
from netvigil.serve.app import create_app
from netvigil.serve.settings import load_settings
from netvigil.store import Store, open_store


class QueryLog:
    """Times every query a ClickHouse store's connection runs (nothing on other stores)."""

    def __init__(self, store: Store) -> None:
        self.entries: list[tuple[float, str]] = []
        connection = getattr(getattr(store, "db", None), "connection", None)
        if connection is not None:
            plain = connection.query

            def timed(sql: str, fmt: str) -> bytes:
                began = time.perf_counter()
                try:
                    return bytes(plain(sql, fmt))
                finally:
                    self.entries.append((time.perf_counter() - began, " ".join(sql.split())))

            connection.query = timed


def page_paths(client: TestClient, entity: str) -> list[str]:
    """The country page's four requests (as ``bench_serve.country_page_paths`` makes them)."""
    newest = parse_iso(client.get("/api/v1/health").json()["latest_data"])
    until = -(-(newest + 1) // 3600) * 3600
    window = f"from={iso(until - 14 * 86400)}&until={iso(until)}"
    year = f"from={iso(until - 365 * 86400)}&until={iso(until)}"
    code = entity.split(":")[1]
    return [
        f"/api/v1/signals?entity={entity}&mode=percent&{window}",
        f"/api/v1/countries/{code}/overview?{window}",
        f"/api/v1/events?entity={entity}&{window}",
        f"/api/v1/signals?entity={entity}&mode=percent&{year}",
    ]


def profile(db: str, entity: str, rounds: int) -> None:
    with open_store(db, read_only=True) as store:
        log = QueryLog(store)
        settings = load_settings({"cache_seconds": "0", "rate_limit_per_minute": "0"})
        client = TestClient(create_app(store, settings))
        paths = page_paths(client, entity)
        runs: dict[str, list[tuple[float, float, list[tuple[float, str]]]]] = {p: [] for p in paths}
        for _ in range(rounds):
            for path in paths:
                log.entries.clear()
                wall, cpu = time.perf_counter(), time.process_time()
                answer = client.get(path)
                elapsed = (time.perf_counter() - wall, time.process_time() - cpu)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: {answer.status_code} {answer.text[:200]}")
                runs[path].append((*elapsed, list(log.entries)))
        for path, measured in runs.items():
            emit(db, path, measured)


def emit(db: str, path: str, measured: list[tuple[float, float, list[tuple[float, str]]]]) -> None:
    steady = measured[1:] or measured
    shape = len(steady[-1][2])
    alike = [m for m in steady if len(m[2]) == shape]
    queries: list[dict[str, Any]] = [
        {"ms": round(statistics.median(m[2][i][0] for m in alike) * 1000, 1), "sql": sql[:160]}
        for i, (_, sql) in enumerate(alike[-1][2])
    ]
    line = {
        "benchmark": "country_page_profile",
        "store": db,
        "request": path,
        "wall_ms": round(statistics.median(m[0] for m in steady) * 1000, 1),
        "cpu_ms": round(statistics.median(m[1] for m in steady) * 1000, 1),
        "first_wall_ms": round(measured[0][0] * 1000, 1),
        "first_queries": len(measured[0][2]),
        "queries": queries,
        "goal": "the page's four requests together well under 50 ms",
    }
    print(json.dumps(line), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("db", help="the store: a DuckDB file or chdb:///dir (as bench_serve.py built it)")
    parser.add_argument("--entity", default="country:KZ")
    parser.add_argument("--rounds", type=int, default=9)
    options = parser.parse_args()
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    profile(options.db, options.entity, options.rounds)


if __name__ == "__main__":
    main()
