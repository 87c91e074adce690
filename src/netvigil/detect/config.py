"""Detector settings: per-signal thresholds and weights, event timing, fusion. One documented list.

Defaults follow IODA where IODA has one (bgp: warning < 99 %, critical < 50 %; probe: warning
< 80 %, critical < 50 %); the rest are netvigil's, explained in docs/detector.md. Once a series'
own noise is known, its % thresholds are floors and its drops are judged by how improbable they
are (``significance_*``, ``min_spread*``, ``spread_seconds``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar

from netvigil.model.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SignalRule:
    """How one signal is judged: thresholds in % of ordinary, and its weights in fusion.

    ``weight`` is its say when it shows a drop (0 = context only); ``veto`` its say when it looks
    normal. They differ for BGP: lost routes are strong evidence of an outage, but routes that stay
    announced are weak evidence against one (Kazakhstan 2022 kept most routes while traffic stopped).
    """

    warning: float
    critical: float
    weight: float
    veto: float | None = None

    @property
    def normal_weight(self) -> float:
        """The weight of this signal while it looks normal."""
        return self.weight if self.veto is None else self.veto

    def severity(self, level: float) -> float:
        """0 at or above warning, 1 at or below critical, linear in between."""
        if level >= self.warning:
            return 0.0
        if level <= self.critical:
            return 1.0
        return (self.warning - level) / (self.warning - self.critical)


CONTEXT: Final = SignalRule(warning=0.0, critical=0.0, weight=0.0)
"""A signal shown beside the others that never moves the detector (counts, update rates)."""
DEFAULT_RULES: Final[dict[str, SignalRule]] = {
    "bgp": SignalRule(warning=99.0, critical=50.0, weight=0.8, veto=0.2),
    "bgp6": SignalRule(warning=99.0, critical=50.0, weight=0.4, veto=0.1),
    "probe": SignalRule(warning=80.0, critical=50.0, weight=1.0),
    "traffic": SignalRule(warning=75.0, critical=40.0, weight=1.0),
    "reachability": SignalRule(warning=80.0, critical=50.0, weight=0.0),
    "bgp_updates": CONTEXT,
    "latency": CONTEXT,
    "ioda.bgp": SignalRule(warning=99.0, critical=50.0, weight=0.8, veto=0.2),
    "ioda.ping-slash24": SignalRule(warning=80.0, critical=50.0, weight=1.0),
    "ioda.merit-nt": SignalRule(warning=75.0, critical=40.0, weight=0.7),
    "ioda.gtr": SignalRule(warning=75.0, critical=40.0, weight=1.0),
    "radar.traffic": SignalRule(warning=75.0, critical=40.0, weight=1.0),
    "atlas": SignalRule(warning=80.0, critical=50.0, weight=0.6),
    **{f"ooni.{count}": CONTEXT for count in ("measurements", "anomalies", "confirmed", "failures")},
}
FALLBACK_RULE: Final = SignalRule(warning=80.0, critical=50.0, weight=0.7)


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Every detector setting; ``docs/detector.md`` documents each one (a test checks that)."""

    rules: dict[str, SignalRule] = field(default_factory=lambda: dict(DEFAULT_RULES))
    history_days: int = 7
    weekly_weeks: int = 3
    min_history_days: int = 1
    smooth_seconds: int = 900
    relearn_days: int = 7
    min_duration_seconds: int = 900
    end_hold_seconds: int = 7200
    start_confidence: float = 0.5
    end_confidence: float = 0.3
    blackout_level: float = 10.0
    min_phase_seconds: int = 1800
    corroboration_base: float = 0.4
    national_share: float = 0.5
    significance_warning: float = 3.0
    significance_critical: float = 5.0
    min_spread: float = 0.02
    min_spread_days: int = 3
    spread_seconds: int = 3600

    def rule(self, signal: str) -> SignalRule:
        """The rule for a signal, falling back to the generic one for signals netvigil does not know."""
        return self.rules.get(signal, FALLBACK_RULE)

    def with_overrides(self, overrides: dict[str, Any]) -> DetectorConfig:
        """A copy with settings changed by name, e.g. ``{"probe.warning": 70, "end_hold_seconds": 3600}``.

        A bad name or value raises :class:`ConfigError`.
        """
        config = self
        for key, value in overrides.items():
            signal, dot, part = key.rpartition(".")
            if dot:
                base = config.rule(signal)
                if part not in ("warning", "critical", "weight", "veto"):
                    raise ConfigError(f"{key}: a signal rule has warning, critical, weight and veto")
                rules = dict(config.rules)
                rules[signal] = replace(base, **{part: _converted(float, value)})
                config = replace(config, rules=rules)
            elif key in DetectorConfig.__dataclass_fields__ and key != "rules":
                current = getattr(config, key)
                config = replace(config, **{key: _converted(type(current), value)})
            else:
                raise ConfigError(f"unknown detector setting {key!r}; see docs/detector.md")
        return config


def _converted(kind: Callable[[Any], T], value: Any) -> T:
    """``kind(value)``, with the built-in conversion error given as a :class:`ConfigError`."""
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from exc
