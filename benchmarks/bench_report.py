"""Report speed on the Kazakhstan 2022 replay's signals (traffic, probe, BGP; 21 series, 16 days).

Prints one JSON object per figure, each with a reference measured in the same run:
- report build (gathering, % of ordinary, four charts in PNG+SVG) vs the detection run that made
  the events (``ratio`` = report / detection);
- PDF through headless Chromium vs writing the same report as HTML;
- STOP CSV export + read back (events/s) vs contract 3.3 JSON lines dump + load of the same events
  (``ratio`` = STOP events/s / JSON lines events/s).
Run: .venv/bin/python benchmarks/bench_report.py   (--repeat N for more export rounds)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from netvigil.model.events import Event, EventFilter
from netvigil.pipeline.analyse import run_detection
from netvigil.pipeline.ingest import ingest_signal_file
from netvigil.report.browser import print_pdf
from netvigil.report.document import build_report
from netvigil.report.exports import read_stop_csv, stop_csv
from netvigil.report.publish import write_report
from netvigil.sim import kazakhstan
from netvigil.sim.scenarios.files import write_series
from netvigil.sim.scenarios.generate import generate
from netvigil.store import open_store


def emit(**figure: object) -> None:
    print(json.dumps(figure), flush=True)


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def export_rounds(events: list[Event], repeat: int) -> tuple[float, float]:
    start = time.perf_counter()
    for _ in range(repeat):
        assert read_stop_csv(stop_csv(events)) == events
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(repeat):
        text = "".join(json.dumps(e.to_json()) + "\n" for e in events)
        [Event.from_json(json.loads(line)) for line in text.splitlines()]
    return ours, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        series = generate(
            kazakhstan.timeline(), kazakhstan.SIZES, kazakhstan.STYLE, np.random.default_rng(2022)
        )
        write_series(series, folder / "kz.csv.gz")
        with open_store(folder / "kz.duckdb") as store:
            ingest_signal_file(store, folder / "kz.csv.gz")
            _, detect_s = timed(run_detection, store)
            events = sorted(store.read_events(EventFilter()), key=lambda e: e.id)
            national = next(e for e in events if e.scope == "national" and e.parent_event is None)
            report, build_s = timed(build_report, store, national, folder / "out", 0, True)
        emit(
            figure="report_build_seconds",
            value=round(build_s, 3),
            reference="detection_seconds",
            reference_value=round(detect_s, 3),
            ratio=round(build_s / detect_s, 2),
            charts=len(report.charts),
        )
        page, html_s = timed(write_report, report, folder / "out" / "kz.html", "html")
        _, pdf_s = timed(print_pdf, page, folder / "out" / "kz.pdf")
        emit(
            figure="pdf_seconds",
            value=round(pdf_s, 3),
            reference="html_seconds",
            reference_value=round(html_s, 3),
            ratio=round(pdf_s / html_s, 1),
        )
        ours, reference = export_rounds(events, args.repeat)
        count = len(events) * args.repeat
        emit(
            figure="stop_csv_roundtrip_events_per_s",
            value=round(count / ours),
            reference="jsonl_roundtrip_events_per_s",
            reference_value=round(count / reference),
            ratio=round(reference / ours, 2),
            events=len(events),
        )


if __name__ == "__main__":
    main()
