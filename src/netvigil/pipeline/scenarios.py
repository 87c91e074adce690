"""Scenario folders read back from disk and the detector evaluated on them (sim/ writes them)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import Series, detect
from netvigil.detect.evaluate import ScenarioScore, score
from netvigil.detect.streaming import StreamingDetector
from netvigil.model.errors import InputError, reading
from netvigil.model.events import Event, Label, parse_iso
from netvigil.pipeline.analyse import entity_info
from netvigil.sim.scenarios.files import LABELS_FILE, SIGNALS_FILE
from netvigil.sources.signal_csv import read_points


def scenario_dirs(paths: Iterable[Path]) -> Iterator[Path]:
    """Scenario folders: each path is one, or holds several."""
    for path in paths:
        if (path / LABELS_FILE).exists():
            yield path
            continue
        found = sorted(p.parent for p in path.glob(f"*/{LABELS_FILE}"))
        if not found:
            raise InputError(f"no scenario here (expected {LABELS_FILE} and {SIGNALS_FILE})", path=str(path))
        yield from found


def load_labels(folder: Path) -> tuple[dict[str, Any], list[Label]]:
    """A scenario's metadata and labels."""
    path = folder / LABELS_FILE
    try:
        with reading(path):
            meta = json.loads(path.read_text("utf-8"))
        labels = [
            Label(
                entity=item["entity"],
                kind=item["kind"],
                scope=item["scope"],
                start=parse_iso(item["start"]),
                end=parse_iso(item["end"]),
                level=float(item["level"]),
                archetype=item["archetype"],
                network_kinds=tuple(item.get("network_kinds", ())),
            )
            for item in meta["labels"]
        ]
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(f"labels file is not in netvigil's scenario format: {exc}", path=str(path)) from exc
    return meta, labels


def load_series(path: Path) -> list[Series]:
    """Every series of a signal file, validated like an ingest."""
    columns: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
    for chunk in read_points(path):
        for p in chunk:
            times, values = columns.setdefault((p.entity, p.signal), ([], []))
            times.append(p.time)
            values.append(p.value)
    out: list[Series] = []
    for (entity, signal), (times, values) in sorted(columns.items()):
        t = np.array(times, dtype=np.int64)
        order = np.argsort(t, kind="stable")
        out.append(Series(entity, signal, t[order], np.array(values, dtype=np.float64)[order]))
    return out


def stream(series: list[Series], step: int, config: DetectorConfig) -> list[Event]:
    """Feed series bin by bin to the streaming detector; returns its events at the end."""
    info = entity_info({s.entity for s in series})
    start = min(int(s.times.min()) for s in series)
    end = max(int(s.times.max()) for s in series)
    detector = StreamingDetector([(s.entity, s.signal) for s in series], step, start, info, config)
    lookup = [
        (s.entity, s.signal, dict(zip(s.times.tolist(), s.values.tolist(), strict=True))) for s in series
    ]
    for time in range(detector.grid.origin, end + 1, step):
        detector.feed(time, {(e, sig): vals[time] for e, sig, vals in lookup if time in vals})
    return detector.events()


def evaluate_folder(folder: Path, config: DetectorConfig, streaming: bool = True) -> ScenarioScore:
    """Detect on one scenario folder (batch, and streaming for the delay) and score it."""
    meta, labels = load_labels(folder)
    series = load_series(folder / SIGNALS_FILE)
    info = entity_info({s.entity for s in series})
    events = detect(series, info, config).events
    step = int(meta.get("step", 300))
    horizon = parse_iso(meta["end"]) if "end" in meta else max(int(s.times.max()) for s in series)
    streamed = stream(series, step, config) if streaming else None
    parents = {k: v.parent for k, v in info.items()}
    return score(meta["name"], meta["archetype"], labels, events, parents, step, horizon, streamed)
