"""Fusion of one entity's signals into a confidence and a level per bin.

Each signal contributes a severity in 0..1 (0 at its warning threshold, 1 at its critical one)
times its weight, which slides from its ``veto`` weight (looking normal) to its full weight (a clear
drop). Confidence = (weighted severity / weight of the signals that have data) x
(1 - base^(sum of severities)): agreement of independent signals raises it, and one signal
alone reaches at most 1 - base (0.6 by default), so one glitching signal among normal ones
stays far below the 0.5 needed to start an event. The entity's level is the median level of
the signals that show a drop (or of all signals when none does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from netvigil.detect.baseline import nanmedian_last
from netvigil.detect.config import DetectorConfig
from netvigil.detect.grid import FloatArray


@dataclass(frozen=True, slots=True)
class Fused:
    """Per-bin fusion of one entity: confidence, level, and each signal's severity (signals x bins)."""

    confidence: FloatArray
    level: FloatArray
    severity: FloatArray


def severities(levels: FloatArray, signals: Sequence[str], config: DetectorConfig) -> FloatArray:
    """Severity of each signal's level (signals x bins), NaN where the level is unknown."""
    warning = np.array([config.rule(s).warning for s in signals])[:, None]
    critical = np.array([config.rule(s).critical for s in signals])[:, None]
    span = np.maximum(warning - critical, 1e-9)
    with np.errstate(invalid="ignore"):
        sev = np.clip((warning - levels) / span, 0.0, 1.0)
    return np.where(np.isnan(levels), np.nan, sev)


def fuse(levels: FloatArray, signals: Sequence[str], config: DetectorConfig) -> Fused:
    """Fuse the levels (signals x bins, % of ordinary) of one entity's signals."""
    full = np.array([config.rule(s).weight for s in signals])[:, None]
    veto = np.array([config.rule(s).normal_weight for s in signals])[:, None]
    sev = severities(levels, signals, config)
    weights = veto + (full - veto) * np.nan_to_num(sev)
    counted = (full > 0) & ~np.isnan(sev)
    weight_sum = np.sum(np.where(counted, weights, 0.0), axis=0)
    weighted = np.sum(np.where(counted, weights * np.nan_to_num(sev), 0.0), axis=0)
    mass = np.sum(np.where(counted, np.nan_to_num(sev), 0.0), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where(weight_sum > 0, weighted / weight_sum, np.nan)
    confidence = agreement * (1.0 - np.power(config.corroboration_base, mass))
    dropping = np.where(counted & (np.nan_to_num(sev) > 0), levels, np.nan)
    level_drop = nanmedian_last(dropping.T)
    level_all = nanmedian_last(np.where(counted, levels, np.nan).T)
    level = np.where(np.isnan(level_drop), level_all, level_drop)
    return Fused(confidence, level, sev)
