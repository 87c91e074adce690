"""The Kazakhstan 2022 replay: synthetic signals through the real ingest and detector.

:mod:`netvigil.sim` makes the data, one module per signal, shaped by the public record; this module
only wires it: each signal's files go through the real ingest (signal CSV, MRT and RIS Live, the
prober's inference, the OONI importer) into the store, and the detector ends in an event timeline
(and a dashboard, when served).
"""

from __future__ import annotations

import asyncio
import json
import random
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from netvigil.detect import story
from netvigil.model.events import Event
from netvigil.model.timeline import Timeline
from netvigil.pipeline.analyse import run_detection
from netvigil.pipeline.bgp import default_mapper, ingest_bgp_files
from netvigil.pipeline.ingest import ProgressFactory, ingest_signal_file
from netvigil.pipeline.ooni import import_ooni_file
from netvigil.pipeline.probing import RoundWriter, blocks_up, resample
from netvigil.pipeline.synthetic import mark_synthetic
from netvigil.sim import bgp as sim_bgp
from netvigil.sim import kazakhstan
from netvigil.sim.ooni import write_measurements, write_vantage_measurements
from netvigil.sim.probing import REPLAY_STEP, SimBlock, block_entities, kz_blocks, simulated_rounds
from netvigil.sim.traffic import write_traffic
from netvigil.sources.bgp_visibility import VisibilityConfig
from netvigil.store import open_store
from netvigil.store.protocol import SignalStore, Store

SEED = 2022
README_HEAD = "# netvigil demo: Kazakhstan, 2-11 January 2022 (SYNTHETIC replay)"
README_FILES = """- kz-traffic.csv.gz  per-network traffic volumes (contract 3.2), 5-minute bins
- bgp/               RIS Live messages for real prefixes of the KZ operators, from simulated
                     full-feed peers (withdrawals and the update burst of 5 January), replayed
                     through netvigil's RIS Live parser into the bgp / bgp_updates signals
- ooni/              OONI-format measurements (WhatsApp, Telegram, Signal, web) from KZ networks,
                     imported through netvigil's OONI importer into the reachability signal;
                     vantage-sim-*.jsonl.gz: the replay's own probes in Almaty, Astana and Aktau,
                     whose x_netvigil_ annotations place them in their region
- (probe)            simulated KZ /24 blocks answering by the timeline, run through the same
                     Trinocular inference the real prober uses, into the probe signal
- netvigil.duckdb    the embedded store the replay was ingested into (unless --db named another)
- events.jsonl       the events netvigil detected (contract 3.3)
"""


def readme() -> str:
    """The README of the demo's folder: what the files are, naming the replay's operators and regions."""
    operators = ", ".join(f"{o.name} AS{o.asn}" for o in kazakhstan.OPERATORS)
    regions = ", ".join(f"{r.name} {r.code}" for r in kazakhstan.REGIONS)
    about = (
        "These files are SYNTHETIC. They are shaped like the January 2022 shutdown in Kazakhstan as the "
        "public record describes it (Cloudflare Radar, Kentik, RIPE Atlas, NetBlocks, RFE/RL, Access Now "
        f"STOP; times in UTC), for real operators ({operators}) and regions ({regions}), but no value here "
        "was measured. They exist to show what netvigil does with such signals."
    )
    return f"{README_HEAD}\n\n{textwrap.fill(about, 96)}\n\n{README_FILES}"


Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the replay produced."""

    events: list[Event]
    events_path: Path
    db_path: str | Path
    signal_files: list[Path]


def replay_bgp(store: SignalStore, timeline: Timeline, workdir: Path) -> int:
    """The BGP part of the replay: write what collectors would record, then ingest it for real.

    Writes a RIB snapshot and RIS Live messages for the real prefixes of the Kazakhstan operators
    (:mod:`netvigil.sim.bgp`) into ``workdir``, then sends them through the MRT decoder, the RIS Live
    parser and the visibility aggregation into ``bgp`` / ``bgp_updates`` of ``asn:*`` (the KZ
    operators) and ``country:KZ``. Returns the points written.
    """
    files = sim_bgp.write_replay(timeline, workdir)
    config = VisibilityConfig(step=timeline.step, full_feed_v4=sim_bgp.FULL_FEED)
    result = ingest_bgp_files(
        store,
        [files.rib, files.updates],
        config=config,
        mapper=default_mapper(registry=False),
        keep=sim_bgp.ENTITIES.__contains__,
    )
    return result.points


def replay_probe(store: Store, timeline: Timeline, seed: int = 0) -> int:
    """Simulate Kazakh /24s answering by ``timeline`` through the real inference; write ``probe`` signals.

    800 blocks (200 per operator of :mod:`netvigil.sim.kazakhstan`) spread over its regions are
    probed in 660-s rounds on a virtual clock; the blocks-up counts of every asn:*, region:* and
    country:KZ are resampled to 300-s bins (sample and hold) from ``timeline.start`` to
    ``timeline.end``. Returns the number of signal points written.
    """
    blocks = kz_blocks(random.Random(seed))
    return asyncio.run(replay_blocks(store, timeline, blocks, seed))


async def replay_blocks(store: Store, timeline: Timeline, blocks: Sequence[SimBlock], seed: int) -> int:
    """Run the prober over simulated blocks through the timeline; store its changes and ``probe`` signals."""
    entities = block_entities(blocks)
    writer = RoundWriter(store, entities, "simulated", write_signals=False)
    rounds: list[tuple[int, Counter[str]]] = []
    async for verdicts in simulated_rounds(timeline, blocks, seed):
        writer(verdicts)
        rounds.append((verdicts[0].time, blocks_up(verdicts, entities)))
    points = resample(rounds, timeline.start, timeline.end, REPLAY_STEP)
    return store.write_signals(points)


def replay_ooni(store: Store, timeline: Timeline, workdir: Path, seed: int = 0) -> int:
    """Simulate OONI measurements of ``timeline`` and import them; returns how many were new.

    The JSONL file (:mod:`netvigil.sim.ooni`) is imported exactly as a file from OONI's archive
    would be (:func:`netvigil.pipeline.ooni.import_ooni_file`): classified, stored in the
    measurements table and turned into the ``reachability`` and ``throttled`` signals.
    """
    path = write_measurements(timeline, workdir, seed)
    return import_ooni_file(store, path).accepted


def replay_vantage_points(store: Store, timeline: Timeline, workdir: Path, seed: int = 0) -> int:
    """The Kazakhstan replay's own probes (Almaty, Astana, Aktau) through the same importer.

    Their measurements carry their vantage point (``x_netvigil_`` annotations), so besides the
    country and network series they make ``service:…@region:…`` ones; returns how many were new.
    """
    return import_ooni_file(store, write_vantage_measurements(timeline, workdir, seed)).accepted


def national_event(events: list[Event]) -> Event | None:
    """The top-level national event of the replay, if detected."""
    return story.national_event(events, kazakhstan.COUNTRY)


def shutdown_in_order(events: Sequence[Event]) -> list[tuple[int, str]]:
    """The shutdown's story as the detector told it: (time, what) in time order.

    Services degraded in cities (statement and vantage points), messengers blocked country-wide,
    the mobile cut, the national blackout and Almaty (KZ-75) restored before the country: the
    steps of :func:`netvigil.detect.story.shutdown_story` for Kazakhstan. A step the detector did
    not find is left out, never made up.
    """
    return [(step.time, step.what) for step in story.shutdown_story(events, kazakhstan.COUNTRY)]


def run_demo(
    out: Path, db: str | Path | None, progress: ProgressFactory | None = None, step: Step | None = None
) -> DemoResult:
    """Write the replay's inputs, ingest them into the store, detect, and write events.jsonl."""
    say = step or (lambda _message: None)
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(readme(), encoding="utf-8")
    db_path: str | Path = db or out / "netvigil.duckdb"
    timeline = kazakhstan.timeline()
    say("traffic: writing synthetic per-network volumes (contract 3.2 CSV)")
    files = [write_traffic(out, timeline, SEED)]
    with open_store(db_path) as store:
        mark_synthetic(store, "Kazakhstan 2022 replay (netvigil demo)")
        for path in files:
            say(f"traffic: ingesting {path.name}")
            ingest_signal_file(store, path, progress)
        say("bgp: writing RIS Live messages for real KZ prefixes, replaying them through the parser")
        replay_bgp(store, timeline, out / "bgp")
        say("probe: simulated KZ /24 blocks through the Trinocular inference")
        replay_probe(store, timeline, seed=SEED)
        say("reachability: simulated OONI measurements through the importer")
        replay_ooni(store, timeline, out / "ooni", seed=SEED)
        say("reachability: the replay's own probes in Almaty, Astana and Aktau (vantage points)")
        replay_vantage_points(store, timeline, out / "ooni", seed=SEED)
        say("detecting")
        events = run_detection(store)
    events_path = out / "events.jsonl"
    tmp = events_path.with_suffix(".jsonl.part")
    tmp.write_text(
        "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in events), encoding="utf-8"
    )
    tmp.replace(events_path)
    return DemoResult(events, events_path, db_path, files)
