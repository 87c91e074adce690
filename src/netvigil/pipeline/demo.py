"""The Kazakhstan 2022 replay: synthetic signals through the real ingest and detector.

The signals are shaped by the public record; they go through the embedded store and end in an
event timeline (and a dashboard, when served).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from netvigil.model.events import Event
from netvigil.pipeline.analyse import run_detection
from netvigil.pipeline.ingest import ProgressFactory, ingest_signal_file
from netvigil.pipeline.scenarios import write_series
from netvigil.sources.scenarios import kazakhstan
from netvigil.sources.scenarios.generate import generate
from netvigil.store.duckdb_store import DuckDBStore

SEED = 2022
README = """# netvigil demo: Kazakhstan, 2-11 January 2022 (SYNTHETIC replay)

These files are SYNTHETIC. They are shaped like the January 2022 shutdown in Kazakhstan as the
public record describes it (Cloudflare Radar, Kentik, RIPE Atlas, NetBlocks, RFE/RL, Access Now
STOP; times in UTC), for real operators (Kazakhtelecom AS9198, Kcell AS29355, Kar-Tel AS21299,
Tele2 AS48503) and regions (Almaty KZ-75, Astana KZ-71, Mangystau KZ-47), but no value here was
measured. They exist to show what netvigil does with such signals.

- kz-signals.csv.gz  traffic, active-probing and BGP signals (contract 3.2), 5-minute bins
- netvigil.duckdb    the embedded store the replay was ingested into (unless --db named another)
- events.jsonl       the events netvigil detected (contract 3.3)
"""

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the replay produced."""

    events: list[Event]
    events_path: Path
    db_path: Path
    signal_files: list[Path]


def write_signals(out: Path) -> Path:
    """Generate the synthetic KZ signals into ``out/kz-signals.csv.gz`` (same bytes every run)."""
    path = out / "kz-signals.csv.gz"
    timeline = kazakhstan.timeline()
    series = generate(timeline, kazakhstan.SIZES, kazakhstan.STYLE, np.random.default_rng(SEED))
    write_series(series, path)
    return path


def national_event(events: list[Event]) -> Event | None:
    """The top-level national event of the replay, if detected."""
    national = [e for e in events if e.scope == "national" and e.parent_event is None]
    return min(national, key=lambda e: e.start) if national else None


def run_demo(
    out: Path, db: Path | None, progress: ProgressFactory | None = None, step: Step | None = None
) -> DemoResult:
    """Write the replay's inputs, ingest them into the store, detect, and write events.jsonl."""
    say = step or (lambda _message: None)
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(README, encoding="utf-8")
    db_path = db or out / "netvigil.duckdb"
    say("writing synthetic Kazakhstan 2022 signals")
    files = [write_signals(out)]
    with DuckDBStore(db_path) as store:
        for path in files:
            say(f"ingesting {path.name}")
            ingest_signal_file(store, path, progress)
        say("detecting")
        events = run_detection(store)
    events_path = out / "events.jsonl"
    tmp = events_path.with_suffix(".jsonl.part")
    tmp.write_text(
        "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in events), encoding="utf-8"
    )
    tmp.replace(events_path)
    return DemoResult(events, events_path, db_path, files)
