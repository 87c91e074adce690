"""Scenario files on disk: the signals as a contract-3.2 CSV and the ground-truth labels as JSON.

``DIR/NAME/signals.csv.gz`` and ``DIR/NAME/labels.json`` say they are synthetic; gzip output has no
timestamp, so the same scenario gives the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from netvigil.model.events import Label, iso
from netvigil.sim.scenarios.generate import SeriesOut, generate
from netvigil.sim.scenarios.library import Scenario

SIGNALS_FILE = "signals.csv.gz"
LABELS_FILE = "labels.json"


def write_series(series: Iterable[SeriesOut], path: Path) -> int:
    """Write series as a contract-3.2 CSV (gzip when the name ends in .gz); missing bins get no row."""
    rows = 0
    tmp = path.with_name(path.name + ".part")
    with _text_writer(tmp, gzipped=path.suffix == ".gz") as handle:
        handle.write("time,entity,signal,value\n")
        for s in series:
            keep = ~np.isnan(s.values)
            for t, v in zip(s.times[keep].tolist(), s.values[keep].tolist(), strict=True):
                handle.write(f"{iso(t)},{s.entity},{s.signal},{v:.10g}\n")
                rows += 1
    tmp.replace(path)
    return rows


def _text_writer(path: Path, gzipped: bool) -> io.TextIOWrapper:
    """A UTF-8 text writer; gzip output has no timestamp so the same data gives the same bytes."""
    stream: Any = gzip.GzipFile(str(path), mode="wb", mtime=0) if gzipped else open(path, "wb")  # noqa: SIM115
    return io.TextIOWrapper(stream, encoding="utf-8", newline="")


def label_json(label: Label) -> dict[str, Any]:
    """A label as JSON (times ISO 8601 UTC)."""
    data = asdict(label)
    data["start"] = iso(label.start)
    data["end"] = iso(label.end)
    data["network_kinds"] = list(label.network_kinds)
    return data


def write_scenario(scenario: Scenario, out: Path) -> Path:
    """Write DIR/NAME/signals.csv.gz and labels.json (synthetic, and says so)."""
    folder = out / scenario.name
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(scenario.seed + 1000)
    series = generate(scenario.timeline, scenario.sizes, scenario.style, rng, scenario.glitches)
    rows = write_series(series, folder / SIGNALS_FILE)
    meta = {
        "name": scenario.name,
        "archetype": scenario.archetype,
        "synthetic": True,
        "note": scenario.synthetic_note,
        "country": scenario.timeline.country,
        "step": scenario.timeline.step,
        "start": iso(scenario.timeline.start),
        "end": iso(scenario.timeline.end),
        "rows": rows,
        "labels": [label_json(label) for label in scenario.labels],
    }
    partial = folder / (LABELS_FILE + ".part")
    partial.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    partial.replace(folder / LABELS_FILE)
    return folder
