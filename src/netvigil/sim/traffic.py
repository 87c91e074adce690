"""The Kazakhstan replay's traffic signal: per-network volumes drawn from the timeline, as a CSV file.

Sizes and the ordinary daily and weekly shape come from :mod:`netvigil.sim.kazakhstan`; the file is
a contract-3.2 signal CSV that netvigil ingests like any other.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from netvigil.sim import kazakhstan
from netvigil.sim.scenarios.files import write_series
from netvigil.sim.scenarios.generate import generate
from netvigil.sim.scenarios.timeline import ScenarioTimeline


def write_traffic(out: Path, timeline: ScenarioTimeline, seed: int) -> Path:
    """Generate the synthetic KZ traffic signal into ``out/kz-traffic.csv.gz`` (same bytes every run)."""
    path = out / "kz-traffic.csv.gz"
    sizes = {entity: (0, 0, volume) for entity, (_, _, volume) in kazakhstan.SIZES.items()}
    write_series(generate(timeline, sizes, kazakhstan.STYLE, np.random.default_rng(seed)), path)
    return path
