"""Service reachability wiring: replaying a scenario as OONI measurements through the real importer.

:func:`replay_timeline` is the demo's path for service data: simulated OONI-format measurements
(:mod:`netvigil.sources.ooni_sim`) are written as a JSONL file, then imported exactly as a file
from OONI's archive would be (:func:`netvigil.pipeline.ooni.import_ooni_file`): classified, stored
in the measurements table and turned into the ``reachability`` and ``throttled`` signals.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Final

import orjson

from netvigil.model.timeline import Timeline
from netvigil.pipeline.ooni import import_ooni_file
from netvigil.sources.ooni_sim import simulate
from netvigil.store.protocol import Store

KZ_WINDOW: Final = (1_640_476_800, 1_641_945_600)  # 2021-12-26T00:00Z .. 2022-01-12T00:00Z
KZ_ASNS: Final = (9198, 29355, 21299, 48503)


def _asns(timeline: Timeline) -> list[int]:
    found = [int(e.split(":", 1)[1]) for e in timeline.entities() if e.startswith("asn:")]
    return found or list(KZ_ASNS)


def replay_timeline(
    store: Store,
    timeline: Timeline,
    workdir: Path,
    seed: int = 0,
    *,
    country: str = "KZ",
    window: tuple[int, int] = KZ_WINDOW,
    per_hour: int = 4,
) -> int:
    """Simulate OONI measurements of ``timeline`` over ``window``, import them; returns how many were new."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"ooni-sim-{country}-{seed}.jsonl.gz"
    start, end = max(window[0], timeline.start), min(window[1], timeline.end)
    with gzip.open(path, "wb", compresslevel=1) as out:
        for msm in simulate(
            timeline, country, _asns(timeline), start=start, end=end, per_hour=per_hour, seed=seed
        ):
            out.write(orjson.dumps(msm) + b"\n")
    return import_ooni_file(store, path).accepted
