"""Fusion of one entity's signals into a confidence and a level per bin.

Each signal contributes a severity in 0..1: how improbable its drop is given the series' own
noise (0 at ``significance_warning`` robust standard deviations below ordinary, 1 at
``significance_critical``), counted only below its % warning threshold (IODA's thresholds are
floors); while its noise is not yet known, 0 at its warning threshold and 1 at its critical one.
It counts times its weight, which slides from its ``veto`` weight (looking normal) to its full weight (a clear
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
from netvigil.detect.config import CONTEXT, DetectorConfig
from netvigil.detect.grid import FloatArray


@dataclass(frozen=True, slots=True)
class Fused:
    """Per-bin fusion of one entity: confidence, level, and each signal's severity (signals x bins)."""

    confidence: FloatArray
    level: FloatArray
    severity: FloatArray


@dataclass(frozen=True, slots=True)
class Rules:
    """Each signal's thresholds and weights as arrays shaped like the levels they judge.

    For one entity they are (signals x 1); for many entities at once (signal slots x entities), a
    slot an entity does not have carries weight 0, so it never counts.
    """

    warning: FloatArray
    critical: FloatArray
    full: FloatArray
    veto: FloatArray

    @classmethod
    def of(cls, signals: Sequence[str | None], config: DetectorConfig) -> Rules:
        """Rules of the given signals as a column (``None`` for an empty slot)."""
        rules = [config.rule(s) if s is not None else CONTEXT for s in signals]
        return cls(
            np.array([r.warning for r in rules])[:, None],
            np.array([r.critical for r in rules])[:, None],
            np.array([r.weight for r in rules])[:, None],
            np.array([r.normal_weight for r in rules])[:, None],
        )

    def reshaped(self, shape: tuple[int, ...]) -> Rules:
        """The same rules laid out in ``shape`` (e.g. signal slots x entities)."""
        return Rules(*(np.reshape(a, shape) for a in (self.warning, self.critical, self.full, self.veto)))


def severities(
    levels: FloatArray,
    signals: Sequence[str],
    config: DetectorConfig,
    spread: FloatArray | None = None,
) -> FloatArray:
    """Severity of each signal's level (signals x bins), NaN where the level is unknown.

    ``spread`` (like ``levels``) is each series' noise as a robust standard deviation of
    ln(level); without it, or where it is NaN, the % thresholds alone judge.
    """
    return _severities(levels, Rules.of(signals, config), config, spread)


def _severities(
    levels: FloatArray, rules: Rules, config: DetectorConfig, spread: FloatArray | None
) -> FloatArray:
    span = np.maximum(rules.warning - rules.critical, 1e-9)
    with np.errstate(invalid="ignore"):
        sev = np.clip((rules.warning - levels) / span, 0.0, 1.0)
    if spread is not None:
        sev = np.where(np.isnan(spread), sev, _significance(levels, rules, config, spread))
    return np.where(np.isnan(levels), np.nan, sev)


def _significance(levels: FloatArray, rules: Rules, config: DetectorConfig, spread: FloatArray) -> FloatArray:
    """How improbable each drop is, 0..1, from its size in robust standard deviations (below the floor)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sigmas = -np.log(np.maximum(levels, 0.0) / 100.0) / spread
        span = max(config.significance_critical - config.significance_warning, 1e-9)
        sev = np.clip((sigmas - config.significance_warning) / span, 0.0, 1.0)
        return np.where(levels < rules.warning, sev, 0.0)


def fuse(
    levels: FloatArray, signals: Sequence[str], config: DetectorConfig, spread: FloatArray | None = None
) -> Fused:
    """Fuse the levels (signals x bins, % of ordinary) of one entity's signals, with their noise."""
    return fuse_with(levels, Rules.of(signals, config), config, spread)


def fuse_with(
    levels: FloatArray, rules: Rules, config: DetectorConfig, spread: FloatArray | None = None
) -> Fused:
    """Fuse levels (signals on the first axis) judged by ``rules``; one column per bin or per entity.

    Sums run over the first axis in signal order, so fusing one entity over many bins and many
    entities over one bin give the same numbers bit for bit.
    """
    full, veto = rules.full, rules.veto
    sev = _severities(levels, rules, config, spread)
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
