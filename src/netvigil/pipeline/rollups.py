"""Roll-ups that carry % of ordinary, so long views are a plain read.

:meth:`netvigil.store.protocol.RollupStore.refresh` builds half-hourly, hourly and daily means from
the signals; :func:`score_rollups` then scores every bin of the finest (half-hourly) tier against
the detector's own expected value (:func:`netvigil.detect.baseline.expected_values`: each raw
series scored at its own step from its first point, as ``netvigil detect`` scores it), and derives
the hourly and daily % of ordinary as the mean of the bins below. Views of half an hour or coarser
then read stored percentages (a two-week chart is a plain read of 672 bins per series); finer views
score the raw data the same way (:func:`expected_in_bins`), so a time has one % of ordinary whatever
window a chart asks for.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from netvigil.detect.baseline import expected_at_points
from netvigil.detect.config import DetectorConfig
from netvigil.model.series import SeriesData
from netvigil.store.protocol import SignalStore, Store
from netvigil.store.rollups import FINEST_STEP

BATCH: Final = 64
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Binned = tuple[str, str, IntArray]
"""One series to score: entity, signal, and the start times of its bins (sorted)."""


def bin_means(data: SeriesData, values: FloatArray, bins: IntArray, step: int) -> FloatArray:
    """The mean of ``values`` (one per point of ``data``) over each bin ``[t, t + step)``; NaN if none."""
    if len(bins) == 0:
        return np.empty(0)
    index = np.searchsorted(bins, data.times, side="right") - 1
    inside = (index >= 0) & (data.times < bins[np.clip(index, 0, None)] + step) & np.isfinite(values)
    sums = np.bincount(index[inside], weights=values[inside], minlength=len(bins))
    counts = np.bincount(index[inside], minlength=len(bins))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def expected_in_bins(
    store: SignalStore, series: Sequence[Binned], step: int, config: DetectorConfig | None = None
) -> list[FloatArray]:
    """The detector's expected value of each series, as the mean over each of its bins of ``step``.

    Each series is read from its first stored point up to its last bin, so the number for a bin is
    the same whatever window asked for it.
    """
    ends = [int(bins[-1]) + step for _, _, bins in series if len(bins)]
    if not ends:
        return [np.full(len(bins), np.nan) for _, _, bins in series]
    until = max(ends)
    entities = sorted({entity for entity, _, _ in series})
    signals = sorted({signal for _, signal, _ in series})
    raw = {(d.entity, d.signal): d for d in store.read_series(entities, signals, None, until)}
    found = [raw[(entity, signal)] for entity, signal, _ in series if (entity, signal) in raw]
    expected = iter(expected_at_points([(d.signal, d.times, d.values) for d in found], config))
    out: list[FloatArray] = []
    for entity, signal, bins in series:
        data = raw.get((entity, signal))
        if data is None:
            out.append(np.full(len(bins), np.nan))
        else:
            out.append(bin_means(data, next(expected), bins, step))
    return out


def _percent_column(store: SignalStore, frame: pd.DataFrame, config: DetectorConfig | None) -> FloatArray:
    keys = (frame["entity"] + "\x00" + frame["signal"]).to_numpy()
    cuts = [0, *np.flatnonzero(keys[1:] != keys[:-1]) + 1, len(keys)]
    times = frame["time"].to_numpy(dtype=np.int64)
    values = frame["value"].to_numpy(dtype=np.float64)
    entities, signals = frame["entity"].to_numpy(), frame["signal"].to_numpy()
    pairs = list(itertools.pairwise(cuts))
    parts: list[Binned] = [(str(entities[a]), str(signals[a]), times[a:b]) for a, b in pairs]
    ordinary = expected_in_bins(store, parts, FINEST_STEP, config)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.concatenate(
            [100.0 * values[a:b] / o for (a, b), o in zip(pairs, ordinary, strict=True)]
        )


def score_rollups(store: Store, since: int | None = None, config: DetectorConfig | None = None) -> None:
    """Store % of ordinary in the finest tier from ``since`` on (or everywhere), then in the coarser ones."""
    rollups = store.rollups
    entities = rollups.entities()
    for start in range(0, len(entities), BATCH):
        frame = rollups.finest_rows(entities[start : start + BATCH], since)
        if frame.empty:
            continue
        frame["percent"] = _percent_column(store, frame, config)
        frame["percent"] = frame["percent"].where(np.isfinite(frame["percent"]))
        rollups.write_percent(frame, since)
    rollups.derive_coarser(since)


def rebuild_rollups(store: Store, since: int | None = None) -> None:
    """Build the roll-ups from ``since`` on (or all) and score them."""
    store.rollups.refresh(since)
    score_rollups(store, since)


def ensure_rollups(store: Store) -> bool:
    """Rebuild and score the roll-ups if the signals changed since they were built."""
    if store.rollups.fresh():
        return False
    rebuild_rollups(store)
    return True
