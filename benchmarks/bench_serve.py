"""Serving speed: country-page queries over a year of 5-minute data for 300 entities, and Chromium.

Prints one JSON object per line per figure:
- requests per second and p50/p99 latency on loopback for the country page's API queries
  (signals as % of ordinary for 14 days and for a year, the networks/regions/services overview,
  events), with the read cache off over every country (each request computed) and on (the
  default, answers reused for cache_seconds) over a hot set of ten countries;
- the same series computed without roll-ups, straight from the raw 5-minute rows in process
  (the reference: what a store without pre-aggregation must do), as a ratio;
- the time headless Chromium takes to load the country page until its chart (uPlot) and tables are
  drawn, for the default view and for the whole year of 5-minute data.

The store (300 entities x 4 signals x 105,120 bins = 126 M points) is generated with SQL into
/tmp/netvigil-bench/ on the first run and reused afterwards: DuckDB's ``range()`` for a DuckDB file
(about two minutes), ClickHouse's ``INSERT … SELECT … FROM numbers()`` for a chdb directory
(``--db chdb``, the same points). Goals (issues 6 and 13): p99 < 50 ms on either store,
>= 500 req/s, page load < 1 s.

    .venv/bin/python benchmarks/bench_serve.py            # default: 300 entities, 365 days, DuckDB
    .venv/bin/python benchmarks/bench_serve.py --db chdb  # the same on embedded ClickHouse
    .venv/bin/python benchmarks/bench_serve.py --days 30  # smaller store, quicker first run
    .venv/bin/python benchmarks/bench_serve.py --build-only  # make the store now, measure later
    .venv/bin/python benchmarks/bench_serve.py --chromium-only  # only the page load in Chromium
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from netvigil.detect.baseline import percent_of_ordinary
from netvigil.geo.entities import default_registry
from netvigil.model.events import Event, Phase, iso, parse_iso
from netvigil.pipeline.rollups import rebuild_rollups
from netvigil.store import Store, open_store

BENCH_DIR = Path(os.environ.get("NETVIGIL_BENCH_DIR", "/tmp/netvigil-bench"))
START = parse_iso("2021-06-01T00:00:00Z")
SIGNALS = ("bgp", "probe", "traffic", "bgp6")
BLACKOUT = (parse_iso("2022-01-05T10:35:00Z"), parse_iso("2022-01-10T05:00:00Z"))


STORE = {"kind": "duckdb"}


def emit(**fields: object) -> None:
    print(json.dumps({"benchmark": "serve", "store": STORE["kind"], **fields}), flush=True)


def bench_entities(count: int) -> list[str]:
    """KZ with its regions and networks first, then other countries, then regions elsewhere."""
    registry = default_registry()
    kz = ["country:KZ", *(c.key for c in registry.children("country:KZ"))]
    others = [f"country:{c.alpha_2}" for c in pycountry.countries if c.alpha_2 != "KZ"]
    regions = [f"region:{s.code}" for s in sorted(pycountry.subdivisions, key=lambda s: s.code)]
    return [*kz, *others, *regions][:count]


def build_store(path: Path, entities: list[str], days: int) -> None:
    """Generate the store with SQL (no Python loop over points); the roll-ups come from the real code."""
    tmp = path.with_suffix(".building")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    bins = days * 288
    frame = pd.DataFrame(
        {
            "idx": range(len(entities)),
            "entity": entities,
            "kz": [e == "country:KZ" or "KZ" in e for e in entities],
        }
    )
    with open_store(tmp) as store:
        cur = store.cursor()  # type: ignore[attr-defined]  # DuckDB-specific: the points are made in SQL
        cur.execute("SET memory_limit = '3GB'")
        cur.register("ents", frame)
        # The same columns as the store's table, without its primary-key index: building a 126 M-key
        # ART index needs ~15 GB of RAM; reads never use it (range scans use zone maps).
        cur.execute("DROP TABLE signals")
        cur.execute(
            f"""CREATE TABLE signals AS
            SELECT ({START} + r * 300)::BIGINT AS time, e.entity, s.signal,
                   (100 + 37 * e.idx) * (1 + 0.25 * sin(2 * pi() * ((r * 300) % 86400) / 86400.0))
                   * (1 + 0.02 * sin(r * 12.9898 + e.idx))
                   * CASE WHEN e.kz AND {START} + r * 300 >= {BLACKOUT[0]}
                               AND {START} + r * 300 < {BLACKOUT[1]} THEN 0.03 ELSE 1 END AS value,
                   'bench' AS source
            FROM ents e, (SELECT unnest({list(SIGNALS)!r}) AS signal) s, range({bins}) t(r)"""
        )
        cur.unregister("ents")
        finish_store(store)
    tmp.replace(path)


def _value_sql(r: str, idx: str, kz: str) -> str:
    """The generated value of bin ``r`` of entity ``idx`` in ClickHouse SQL (the DuckDB formula)."""
    t = f"({START} + {r} * 300)"
    return (
        f"(100 + 37 * {idx}) * (1 + 0.25 * sin(2 * pi() * (({r} * 300) % 86400) / 86400.0)) "
        f"* (1 + 0.02 * sin({r} * 12.9898 + {idx})) "
        f"* if({kz} AND {t} >= {BLACKOUT[0]} AND {t} < {BLACKOUT[1]}, 0.03, 1)"
    )


def build_chdb_store(url: str, entities: list[str], days: int) -> None:
    """The same points as :func:`build_store`, made by ClickHouse SQL in a chdb directory."""
    with open_store(url) as store:
        db = store.db  # type: ignore[attr-defined]  # ClickHouse-specific: the points are made in SQL
        for idx, entity in enumerate(entities):
            kz = "1" if entity == "country:KZ" or "KZ" in entity else "0"
            db.command(
                "INSERT INTO signals (time, entity, signal, value, source, _version) "
                f"SELECT {START} + number * 300, '{entity}', s, {_value_sql('number', str(idx), kz)}, "
                f"'bench', 1 FROM numbers({days * 288}) ARRAY JOIN {list(SIGNALS)!r} AS s"
            )
        finish_store(store)


def finish_store(store: Store) -> None:
    """Roll-ups from the real code, and the national event."""
    rebuild_rollups(store)
    national = Event(
        "kz-blackout",
        "country:KZ",
        "Kazakhstan",
        "blackout",
        "national",
        BLACKOUT[0],
        BLACKOUT[1],
        3.0,
        SIGNALS,
        0.97,
        phases=(Phase(BLACKOUT[0], BLACKOUT[1], 3.0, "blackout"),),
    )
    store.replace_events([national], ["country:KZ"])


def size_of(path: Path) -> int:
    """Bytes of a store file or directory."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, cache_seconds: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = Path(sys.executable).parent / "netvigil"
    settings = ["--setting", "rate_limit_per_minute=0", "--setting", f"cache_seconds={cache_seconds}"]
    process = subprocess.Popen(
        [str(exe), "serve", "--db", str(db), "--port", str(port), *settings],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server did not start: {process.stderr.read().decode() if process.stderr else ''}")


def country_page_paths(base: str, countries: list[str]) -> list[str]:
    """The requests the country page makes, for each country (the window the page itself would use)."""
    with urllib.request.urlopen(f"{base}/api/v1/health") as answer:
        newest = parse_iso(json.load(answer)["latest_data"])
    until = -(-(newest + 1) // 3600) * 3600
    window = f"from={iso(until - 14 * 86400)}&until={iso(until)}"
    year = f"from={iso(until - 365 * 86400)}&until={iso(until)}"
    paths = []
    for entity in countries:
        code = entity.split(":")[1]
        paths += [
            f"/api/v1/signals?entity={entity}&mode=percent&{window}",
            f"/api/v1/countries/{code}/overview?{window}",
            f"/api/v1/events?entity={entity}&{window}",
            f"/api/v1/signals?entity={entity}&mode=percent&{year}",
        ]
    return paths


async def _worker(host: str, port: int, paths: list[str], offset: int, stop: float, out: list[float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = offset
    while time.perf_counter() < stop:
        path = paths[i % len(paths)]
        i += 1
        began = time.perf_counter()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"{path}: {head[:200]!r}")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        await reader.readexactly(length)
        out.append(time.perf_counter() - began)
    writer.close()


async def _load(base: str, paths: list[str], connections: int, seconds: float) -> tuple[list[float], float]:
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    began = time.perf_counter()
    stop = began + seconds
    await asyncio.gather(
        *(_worker(host, int(port), paths, k * 7, stop, latencies) for k in range(connections))
    )
    return latencies, time.perf_counter() - began


def load_figure(base: str, paths: list[str], connections: int, seconds: float, cache: str) -> None:
    asyncio.run(_load(base, paths[: min(len(paths), 40)], connections, 2.0))
    latencies, elapsed = asyncio.run(_load(base, paths, connections, seconds))
    ms = np.array(latencies) * 1000
    emit(
        figure="country_page_queries",
        cache=cache,
        connections=connections,
        requests=len(ms),
        distinct_urls=len(paths),
        req_per_s=round(len(ms) / elapsed, 1),
        p50_ms=round(float(np.percentile(ms, 50)), 2),
        p99_ms=round(float(np.percentile(ms, 99)), 2),
        goal="p99 < 50 ms and >= 500 req/s",
    )


def reference_ms(db: str, entity: str) -> float:
    """A year of % of ordinary for every signal, straight from the raw rows in process (the reference)."""
    with open_store(db, read_only=True) as store:
        times: list[float] = []
        for _ in range(3):
            began = time.perf_counter()
            for series in store.read_series([entity]):
                percent_of_ordinary(series.times, series.values, signal=series.signal)
            times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def reference_figure(base: str, entity: str, ref_ms: float) -> None:
    """The served year view (roll-ups, cache off) against the raw-rows reference."""
    path = country_page_paths(base, [entity])[3]
    served: list[float] = []
    for _ in range(5):
        began = time.perf_counter()
        with urllib.request.urlopen(base + path) as answer:
            answer.read()
        served.append(time.perf_counter() - began)
    served_ms = statistics.median(served) * 1000
    emit(
        figure="year_view_percent_of_ordinary",
        entity=entity,
        served_ms=round(served_ms, 2),
        reference="raw 5-minute rows read and scored in process, no roll-ups",
        reference_ms=round(ref_ms, 2),
        speedup_vs_reference=round(ref_ms / served_ms, 1),
    )


def year_view(base: str) -> str:
    """The country page's address showing the whole last year (the page's "1 year" button)."""
    with urllib.request.urlopen(f"{base}/api/v1/health") as answer:
        newest = parse_iso(json.load(answer)["latest_data"])
    until = -(-(newest + 1) // 3600) * 3600
    return f"from={iso(until - 365 * 86400)}&until={iso(until)}"


# Milliseconds from the page's last data answer (series, tables, events) to the page's own mark
# "netvigil:drawn" (chart and tables drawn): its drawing, apart from the server's time (which a busy
# machine inflates most).
AFTER_DATA_JS = """() => {
  const data = performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/api/v1/') && !e.name.includes('/api/v1/sources'));
  const drawn = performance.getEntriesByName('netvigil:drawn')[0].startTime;
  return drawn - Math.max(...data.map((e) => e.responseEnd));
}"""


def chromium_figure(base: str, runs: int = 5) -> None:
    """Headless Chromium opens /country/KZ (default view, then the year) until chart and tables are drawn.

    The chart is uPlot (a canvas in ``#chart``) with the events shaded over it; the clock stops when
    the canvas and the networks table are in the page, and for the year also the blackout's shade.
    ``after_data_ms`` is the part after the last data answer arrived: the page's own drawing.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.integration.chromium import CHROMIUM, launch  # noqa: PLC0415 - the tests' own launcher

    if not CHROMIUM.exists():
        emit(figure="chromium_country_page_load", skipped="no /usr/bin/chromium")
        return
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional: only this figure needs it

    views = {"default (14 days)": "", "1 year of 5-minute data": f"?{year_view(base)}"}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for view, query in views.items():
            times: list[float] = []
            drawing: list[float] = []
            for _ in range(runs + 1):
                context = browser.new_context()
                page = context.new_page()
                began = time.perf_counter()
                page.goto(f"{base}/country/KZ{query}")
                page.locator("#networks table").wait_for()
                page.locator("#chart canvas").first.wait_for(state="attached")
                if query:  # the year holds the blackout: wait for its shade too
                    page.locator("#chart .shade").first.wait_for(state="attached")
                times.append(time.perf_counter() - began)
                drawing.append(page.evaluate(AFTER_DATA_JS))
                context.close()
            emit(
                figure="chromium_country_page_load",
                view=view,
                chart="uPlot",
                first_s=round(times[0], 3),
                median_s=round(statistics.median(times[1:]), 3),
                after_data_ms=round(statistics.median(drawing[1:]), 1),
                runs=runs,
                goal="< 1 s",
                until="chart canvas (and the year's shaded blackout) and networks table drawn",
            )
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seconds", type=float, default=10.0, help="load duration per figure")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--db", choices=("duckdb", "chdb"), default="duckdb", help="the store to serve from")
    parser.add_argument(
        "--build-only", action="store_true", help="make the store if missing, then stop (measure when quiet)"
    )
    parser.add_argument(
        "--chromium-only", action="store_true", help="measure only the Chromium page load"
    )
    options = parser.parse_args()
    STORE["kind"] = options.db
    entities = bench_entities(options.entities)
    path = BENCH_DIR / f"serve-{options.entities}x{options.days}d.{options.db}"
    db = str(path) if options.db == "duckdb" else f"chdb://{path}"
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        began = time.perf_counter()
        if options.db == "duckdb":
            build_store(path, entities, options.days)
        else:
            build_chdb_store(f"chdb://{path.with_suffix('.building')}", entities, options.days)
            path.with_suffix(".building").replace(path)
        emit(figure="store_generation", seconds=round(time.perf_counter() - began, 1), path=db)
    points = len(entities) * len(SIGNALS) * options.days * 288
    emit(
        figure="store",
        entities=len(entities),
        signals=len(SIGNALS),
        days=options.days,
        points=points,
        bytes=size_of(path),
    )
    if options.build_only:
        return
    if options.chromium_only:
        server, base = start_server(db, 0)
        try:
            chromium_figure(base)
        finally:
            server.terminate()
            server.wait(timeout=30)
        return
    countries = [e for e in entities if e.startswith("country:")]
    ref = reference_ms(db, "country:KZ")
    for cache in (0, 5):
        server, base = start_server(db, cache)
        try:
            # cache off: every country of the store (nothing repeats); cache on: a hot set of ten
            # countries (KZ first), as when many people follow the same few shutdowns.
            paths = country_page_paths(base, countries if cache == 0 else countries[:10])
            load_figure(
                base, paths, options.connections, options.seconds, "off" if cache == 0 else f"{cache} s"
            )
            if cache == 0:
                load_figure(base, paths, 1, options.seconds / 2, "off")
                reference_figure(base, "country:KZ", ref)
                chromium_figure(base)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
