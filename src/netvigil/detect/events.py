"""The per-entity event state machine, and turning its bins into an event with phases.

States (one tracker per entity, fed bin by bin in time order; batch and streaming share it):

    IDLE --abnormal--> PENDING --abnormal for min_duration--> ACTIVE --normal--> RECOVERING
     ^                    |                                     ^                   |
     +------normal--------+                                     +--relapse----------+
     +------------------------------- normal for end_hold (event ends) ------------+

"abnormal" is fused confidence >= start_confidence; in ACTIVE a bin counts as normal only below
end_confidence (hysteresis). A relapse within end_hold keeps one event and the normal stretch
becomes a "brief restoration" phase. Gaps (no data) neither start nor end anything. The event
starts at the first abnormal bin, ends at the first normal bin of the final recovery.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Final

import numpy as np

from netvigil.detect.config import DetectorConfig
from netvigil.detect.grid import FloatArray
from netvigil.model.events import Event, EventKind, Phase, Scope, lowest_phase_level

BANDS: Final = ("blackout", "severe", "degraded", "restored")
FIRST_NOTE: Final = {"blackout": "blackout", "severe": "severe disruption", "degraded": "disruption"}


class State(Enum):
    """Where a tracker is in an event's life."""

    IDLE = "idle"
    PENDING = "pending"
    ACTIVE = "active"
    RECOVERING = "recovering"


@dataclass(frozen=True, slots=True)
class Bin:
    """One fused bin as the tracker keeps it."""

    time: int
    confidence: float
    level: float
    severity: tuple[float, ...]
    relearning: bool
    normal: bool


@dataclass(slots=True)
class EntityTracker:
    """Follows one entity's fused series and produces its events (contract 3.3 minus hierarchy)."""

    entity: str
    entity_name: str
    signals: tuple[str, ...]
    step: int
    config: DetectorConfig
    state: State = State.IDLE
    bins: list[Bin] = field(default_factory=list)
    normal_run: int = 0
    gap_run: int = 0
    detected_at: int | None = None
    closed: list[Event] = field(default_factory=list)

    @property
    def min_bins(self) -> int:
        """Bins of abnormality needed before an event starts."""
        return max(1, -(-self.config.min_duration_seconds // self.step))

    @property
    def hold_bins(self) -> int:
        """Normal bins needed before an event ends."""
        return max(1, -(-self.config.end_hold_seconds // self.step))

    def feed(
        self, time: int, confidence: float, level: float, severity: Sequence[float], relearning: bool
    ) -> None:
        """Advance by one bin."""
        if np.isnan(confidence):
            self._gap(time)
            return
        self.gap_run = 0
        abnormal = confidence >= self.config.start_confidence
        if self.state is State.IDLE:
            if abnormal:
                self._begin(time, confidence, level, severity, relearning)
            return
        if self.state is State.PENDING:
            if not abnormal:
                self._reset()
                return
            self._add(time, confidence, level, severity, relearning, normal=False)
            if len(self.bins) >= self.min_bins:
                self.state = State.ACTIVE
                self.detected_at = time
            return
        ending = self.state is State.ACTIVE
        normal = confidence < self.config.end_confidence if ending else not abnormal
        self._add(time, confidence, level, severity, relearning, normal=normal)
        if not normal:
            self.state = State.ACTIVE
            self.normal_run = 0
            return
        self.state = State.RECOVERING
        self.normal_run += 1
        if self.normal_run >= self.hold_bins:
            self._close()

    def _gap(self, time: int) -> None:
        if self.state is State.IDLE:
            return
        self.gap_run += 1
        if self.state is State.PENDING and self.gap_run >= self.hold_bins:
            self._reset()

    def _begin(
        self, time: int, confidence: float, level: float, severity: Sequence[float], relearning: bool
    ) -> None:
        self.state = State.PENDING
        self.bins = []
        self._add(time, confidence, level, severity, relearning, normal=False)
        if self.min_bins <= 1:
            self.state = State.ACTIVE
            self.detected_at = time

    def _add(
        self,
        time: int,
        confidence: float,
        level: float,
        severity: Sequence[float],
        relearning: bool,
        normal: bool,
    ) -> None:
        self.bins.append(Bin(time, confidence, level, tuple(severity), relearning, normal))

    def _reset(self) -> None:
        self.state = State.IDLE
        self.bins = []
        self.normal_run = 0
        self.gap_run = 0
        self.detected_at = None

    def _close(self) -> None:
        span = self.bins[: len(self.bins) - self.normal_run]
        end = self.bins[len(span)].time
        self.closed.append(self._event(span, end))
        self._reset()

    def open_event(self) -> Event | None:
        """The ongoing event, if one is active (its end is None)."""
        if self.state not in (State.ACTIVE, State.RECOVERING):
            return None
        return self._event(self.bins, None)

    def _event(self, span: list[Bin], end: int | None) -> Event:
        return build_event(self, span, end)


def rolling_median3(levels: FloatArray) -> FloatArray:
    """Median of each level with its neighbours, so one noisy bin does not set an event's level."""
    if len(levels) < 3:
        return levels.copy()
    padded = np.concatenate([levels[:1], levels, levels[-1:]])
    stacked = np.stack([padded[:-2], padded[1:-1], padded[2:]], axis=1)
    with np.errstate(all="ignore"):
        out: FloatArray = (
            np.nanmedian(stacked, axis=1) if np.isnan(stacked).any() else np.median(stacked, axis=1)
        )
    return out


def _band(level: float, normal: bool, config: DetectorConfig) -> int:
    if normal:
        return 3
    if level <= config.blackout_level:
        return 0
    if level <= 50.0:
        return 1
    return 2


def _bands(span: Sequence[Bin], smoothed: FloatArray, config: DetectorConfig, min_bins: int) -> list[int]:
    bands: list[int] = []
    for b, level in zip(span, smoothed, strict=True):
        if np.isnan(level) and not b.normal:
            bands.append(bands[-1] if bands else 2)
        else:
            bands.append(_band(float(level), b.normal, config))
    return _merge_short_runs(bands, min_bins)


def _runs(bands: list[int]) -> list[tuple[int, int, int]]:
    runs: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, len(bands) + 1):
        if i == len(bands) or bands[i] != bands[start]:
            runs.append((bands[start], start, i))
            start = i
    return runs


def _merge_short_runs(bands: list[int], min_bins: int) -> list[int]:
    """Fold runs shorter than ``min_bins`` into the run before them (or after, for the first)."""
    changed = True
    while changed:
        changed = False
        runs = _runs(bands)
        for idx, (_, start, stop) in enumerate(runs):
            if stop - start >= min_bins or len(runs) == 1:
                continue
            neighbour = runs[idx - 1][0] if idx > 0 else runs[idx + 1][0]
            bands[start:stop] = [neighbour] * (stop - start)
            changed = True
            break
    return bands


def _note(band: int, previous: int | None) -> str:
    name = BANDS[band]
    if previous is None:
        return FIRST_NOTE.get(name, "disruption")
    if band == 3:
        return "brief restoration"
    if band > previous:
        return "partial restoration"
    return "cut again" if band == 0 or previous == 3 else "escalation"


def event_id(entity: str, start: int) -> str:
    """A stable id: the same entity and start give the same id in batch, streaming and re-runs."""
    return hashlib.sha1(f"{entity}|{start}".encode()).hexdigest()[:16]


def build_event(tracker: EntityTracker, span: list[Bin], end: int | None) -> Event:
    """Summarise the bins of one event into an :class:`Event` with phases, level and confidence."""
    config = tracker.config
    levels = np.array([b.level for b in span], dtype=np.float64)
    smoothed = rolling_median3(levels)
    min_phase = max(1, config.min_phase_seconds // tracker.step)
    bands = _bands(span, smoothed, config, min_phase)
    phases: list[Phase] = []
    previous: int | None = None
    runs = _runs(bands)
    for idx, (band, start, stop) in enumerate(runs):
        stop_time = span[stop].time if stop < len(span) else end
        values = smoothed[start:stop]
        level = float(np.nanmedian(values)) if band == 3 else float(np.nanmin(values))
        phases.append(Phase(span[start].time, stop_time, level, _note(band, previous)))
        previous = band
        del idx
    abnormal = [b for b in span if not b.normal]
    level = min((p.level for p, (band, _, _) in zip(phases, runs, strict=True) if band != 3), default=100.0)
    kind: EventKind = "blackout" if any(band == 0 for band, _, _ in runs) else "disruption"
    sev = np.array([b.severity for b in abnormal], dtype=np.float64)
    counts = np.sum(~np.isnan(sev), axis=0) if len(sev) else np.zeros(len(tracker.signals))
    mean_sev = np.nansum(sev, axis=0) / np.maximum(counts, 1) if len(sev) else np.zeros(len(tracker.signals))
    shown = tuple(s for s, m in zip(tracker.signals, mean_sev, strict=True) if m >= 0.25)
    relearned = any(b.relearning for b in span)
    if end is not None and relearned:
        phases.append(
            Phase(end, end, level, "baseline re-learned: long drop taken as the new ordinary level")
        )
    scope: Scope = (
        "national"
        if tracker.entity.startswith("country:")
        else ("regional" if tracker.entity.startswith("region:") else "network")
    )
    return Event(
        id=event_id(tracker.entity, span[0].time),
        entity=tracker.entity,
        entity_name=tracker.entity_name,
        kind=kind,
        scope=scope,
        start=span[0].time,
        end=end,
        level=level,
        signals=shown or tracker.signals,
        confidence=float(np.mean([b.confidence for b in abnormal])) if abnormal else 0.0,
        phases=tuple(phases),
        end_reason=None if end is None else ("rebaselined" if relearned else "restored"),
        step=tracker.step,
        detected_at=tracker.detected_at,
    )


def _part(event: Event, phases: list[Phase], start: int, end: int | None, config: DetectorConfig) -> Event:
    """One side of a split event, with its own id, level and kind."""
    lowest = lowest_phase_level(phases)
    level = event.level if lowest is None else lowest
    kind: EventKind = "blackout" if level <= config.blackout_level else "disruption"
    if phases and phases[0].note in ("cut again", "escalation", "partial restoration"):
        first = phases[0]
        phases[0] = Phase(
            first.start,
            first.end,
            first.level,
            FIRST_NOTE["blackout" if first.level <= config.blackout_level else "degraded"],
        )
    return replace(
        event,
        id=event_id(event.entity, start),
        start=start,
        end=end,
        level=level,
        kind=kind if event.kind in ("blackout", "disruption") else event.kind,
        phases=tuple(phases),
        end_reason=event.end_reason if end == event.end else "escalated",
    )


def split_event(event: Event, at: int, config: DetectorConfig) -> tuple[Event, Event]:
    """Cut an event in two at ``at`` (e.g. where a mobile-only cut becomes a national blackout)."""
    before: list[Phase] = []
    after: list[Phase] = []
    for phase in event.phases:
        if phase.start < at:
            before.append(replace(phase, end=at if phase.end is None or phase.end > at else phase.end))
        if phase.end is None or phase.end > at:
            after.append(replace(phase, start=max(phase.start, at)))
    return _part(event, before, event.start, at, config), _part(event, after, at, event.end, config)


def lowest_within(event: Event, start: int, end: int) -> float | None:
    """The lowest level of ``event``'s disruption phases that overlap ``[start, end)``."""
    inside = [p for p in event.phases if p.start < end and (p.end is None or p.end > start)]
    return lowest_phase_level(inside)


def with_part_level(event: Event, parts: Sequence[Event], horizon: int, config: DetectorConfig) -> Event:
    """A network-scope event at the level of the networks it names, not the national average.

    ``parts`` are the events of those networks; each counts with its lowest level while ``event``
    lasts, and the event's level is their mean (the networks are weighed alike, as nothing here
    knows their sizes). The kind follows: a blackout only when that level is one. The phases keep
    the country-wide course, so :attr:`Event.national_level` still gives the national figure.
    """
    end = event.end if event.end is not None else horizon
    lows = [low for low in (lowest_within(part, event.start, end) for part in parts) if low is not None]
    if not lows:
        return event
    level = float(np.mean(lows))
    kind: EventKind = "blackout" if level <= config.blackout_level else "disruption"
    return replace(event, level=level, kind=kind)
