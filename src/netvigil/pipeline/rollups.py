"""Roll-ups that carry % of ordinary, so long views are a plain read.

:meth:`netvigil.store.protocol.RollupStore.refresh` builds half-hourly, hourly and daily means from
the signals; :func:`score_rollups` then scores every bin of the finest (half-hourly) tier with the
detector's seasonal baseline (:func:`netvigil.detect.baseline.baseline_matrix`, each signal's own
thresholds for history masking), reading ``LEAD_IN_DAYS`` before the first bin it writes so the
baseline has history, and derives the hourly and daily % of ordinary as the mean of the bins
below. Views of half an hour or coarser then read stored percentages (a two-week chart is a plain
read of 672 bins per series); finer views score the 5-minute data on the fly
(:func:`ordinary_levels`, the same method).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from netvigil.detect.baseline import baseline_matrix
from netvigil.detect.config import DetectorConfig
from netvigil.detect.grid import grid_covering, place
from netvigil.store.protocol import RollupStore, Store
from netvigil.store.rollups import FINEST_STEP

LEAD_IN_DAYS: Final = 28
BATCH: Final = 64
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def ordinary_levels(
    series: Sequence[tuple[str, IntArray, FloatArray]], step: int, config: DetectorConfig | None = None
) -> list[FloatArray]:
    """The ordinary level at each point of each (signal, times, values), scored in one pass."""
    if not series:
        return []
    config = config or DetectorConfig()
    first = min(int(times[0]) for _, times, _ in series)
    last = max(int(times[-1]) for _, times, _ in series)
    grid = grid_covering(step, first, last)
    matrix = np.stack([place(grid, times, values) for _, times, values in series])
    rules = [config.rule(signal) for signal, _, _ in series]
    thresholds = (np.array([r.warning for r in rules]), np.array([r.critical for r in rules]))
    base, _ = baseline_matrix(matrix, grid, thresholds, config)
    flat = base.reshape(len(series), -1)
    return [
        np.asarray(row[grid.index(times)], dtype=np.float64)
        for row, (_, times, _) in zip(flat, series, strict=True)
    ]


def _percent_column(frame: pd.DataFrame, config: DetectorConfig | None) -> FloatArray:
    keys = (frame["entity"] + "\x00" + frame["signal"]).to_numpy()
    cuts = [0, *np.flatnonzero(keys[1:] != keys[:-1]) + 1, len(keys)]
    times = frame["time"].to_numpy(dtype=np.int64)
    values = frame["value"].to_numpy(dtype=np.float64)
    signals = frame["signal"].to_numpy()
    parts = [(str(signals[a]), times[a:b], values[a:b]) for a, b in itertools.pairwise(cuts)]
    ordinary = ordinary_levels(parts, FINEST_STEP, config)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.concatenate([100.0 * v / o for (_, _, v), o in zip(parts, ordinary, strict=True)])


def score_rollups(
    rollups: RollupStore, since: int | None = None, config: DetectorConfig | None = None
) -> None:
    """Store % of ordinary in the finest tier from ``since`` on (or everywhere), then in the coarser ones."""
    lead = since - LEAD_IN_DAYS * 86_400 if since is not None else None
    entities = rollups.entities()
    for start in range(0, len(entities), BATCH):
        frame = rollups.finest_rows(entities[start : start + BATCH], lead)
        if frame.empty:
            continue
        frame["percent"] = _percent_column(frame, config)
        frame["percent"] = frame["percent"].where(np.isfinite(frame["percent"]))
        rollups.write_percent(frame, since)
    rollups.derive_coarser(since)


def rebuild_rollups(store: Store, since: int | None = None) -> None:
    """Build the roll-ups from ``since`` on (or all) and score them."""
    store.rollups.refresh(since)
    score_rollups(store.rollups, since)


def ensure_rollups(store: Store) -> bool:
    """Rebuild and score the roll-ups if the signals changed since they were built."""
    if store.rollups.fresh():
        return False
    rebuild_rollups(store)
    return True
