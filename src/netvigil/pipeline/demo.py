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
from netvigil.pipeline.bgp import replay_timeline as bgp_replay
from netvigil.pipeline.ingest import ProgressFactory, ingest_signal_file
from netvigil.pipeline.probing import replay_timeline as probe_replay
from netvigil.pipeline.reach import replay_timeline as reach_replay
from netvigil.pipeline.scenarios import write_series
from netvigil.sources.scenarios import kazakhstan
from netvigil.sources.scenarios.generate import generate
from netvigil.sources.scenarios.timeline import ScenarioTimeline
from netvigil.store import open_store

SEED = 2022
README = """# netvigil demo: Kazakhstan, 2-11 January 2022 (SYNTHETIC replay)

These files are SYNTHETIC. They are shaped like the January 2022 shutdown in Kazakhstan as the
public record describes it (Cloudflare Radar, Kentik, RIPE Atlas, NetBlocks, RFE/RL, Access Now
STOP; times in UTC), for real operators (Kazakhtelecom AS9198, Kcell AS29355, Kar-Tel AS21299,
Tele2 AS48503) and regions (Almaty KZ-75, Astana KZ-71, Mangystau KZ-47), but no value here was
measured. They exist to show what netvigil does with such signals.

- kz-traffic.csv.gz  per-network traffic volumes (contract 3.2), 5-minute bins
- bgp/               RIS Live messages for real prefixes of the KZ operators, from simulated
                     full-feed peers (withdrawals and the update burst of 5 January), replayed
                     through netvigil's RIS Live parser into the bgp / bgp_updates signals
- ooni/              OONI-format measurements (WhatsApp, Telegram, Signal, web) from KZ networks,
                     imported through netvigil's OONI importer into the reachability signal
- (probe)            simulated KZ /24 blocks answering by the timeline, run through the same
                     Trinocular inference the real prober uses, into the probe signal
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


def write_traffic(out: Path, timeline: ScenarioTimeline) -> Path:
    """Generate the synthetic KZ traffic signal into ``out/kz-traffic.csv.gz`` (same bytes every run)."""
    path = out / "kz-traffic.csv.gz"
    sizes = {entity: (0, 0, volume) for entity, (_, _, volume) in kazakhstan.SIZES.items()}
    write_series(generate(timeline, sizes, kazakhstan.STYLE, np.random.default_rng(SEED)), path)
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
    timeline = kazakhstan.timeline()
    say("traffic: writing synthetic per-network volumes (contract 3.2 CSV)")
    files = [write_traffic(out, timeline)]
    with open_store(db_path) as store:
        for path in files:
            say(f"traffic: ingesting {path.name}")
            ingest_signal_file(store, path, progress)
        say("bgp: writing RIS Live messages for real KZ prefixes, replaying them through the parser")
        bgp_replay(store, timeline, out / "bgp")
        say("probe: simulated KZ /24 blocks through the Trinocular inference")
        probe_replay(store, timeline, seed=SEED)
        say("reachability: simulated OONI measurements through the importer")
        reach_replay(store, timeline, out / "ooni", seed=SEED)
        say("detecting")
        events = run_detection(store)
    events_path = out / "events.jsonl"
    tmp = events_path.with_suffix(".jsonl.part")
    tmp.write_text(
        "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in events), encoding="utf-8"
    )
    tmp.replace(events_path)
    return DemoResult(events, events_path, db_path, files)
