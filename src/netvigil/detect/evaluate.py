"""Scoring detected events against ground-truth labels: precision, recall, timing errors, delay.

A detected top-level event matches a label when their times overlap and the event is about the
label's entity, or about a network or region of the label's country when the label is a
network- or region-scoped event of that country (a mobile cut seen only per operator is still
found). Every detected top-level event that matches no label is a false positive. When the
streaming run is given, its events must equal the batch run's in every field (``streaming_equal``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from netvigil.model.events import Event, Label


@dataclass(frozen=True, slots=True)
class ScenarioScore:
    """How one scenario went."""

    name: str
    archetype: str
    labels: int
    detected: int
    found_labels: int
    true_detections: int
    start_errors: tuple[float, ...] = ()
    end_errors: tuple[float, ...] = ()
    delays: tuple[float, ...] = ()
    blackout_delays: tuple[float, ...] = ()
    scope_right: int = 0
    kind_right: int = 0
    notes: tuple[str, ...] = field(default=())
    streaming_equal: bool | None = None


def _overlaps(event: Event, label: Label, horizon: int, slack: int) -> bool:
    end = event.end if event.end is not None else horizon
    return event.start < label.end + slack and label.start < end + slack


def _about(event: Event, label: Label, parent_of: Mapping[str, str | None]) -> bool:
    if event.entity == label.entity:
        return True
    return label.scope in ("network", "regional") and parent_of.get(event.entity) == label.entity


def score(
    name: str,
    archetype: str,
    labels: Sequence[Label],
    events: Sequence[Event],
    parent_of: Mapping[str, str | None],
    step: int,
    horizon: int,
    streaming: Sequence[Event] | None = None,
) -> ScenarioScore:
    """Score one scenario's top-level events (and, if given, the streaming run's) against its labels."""
    top = [e for e in events if e.parent_event is None]
    slack = 2 * step
    matched: set[str] = set()
    found = 0
    starts: list[float] = []
    ends: list[float] = []
    delays: list[float] = []
    blackout_delays: list[float] = []
    scope_right = kind_right = 0
    notes: list[str] = []
    for label in labels:
        hits = [e for e in top if _overlaps(e, label, horizon, slack) and _about(e, label, parent_of)]
        if not hits:
            notes.append(f"missed {label.entity} {label.kind} at {label.start}")
            continue
        found += 1
        matched.update(e.id for e in hits)
        first = min(hits, key=lambda e: e.start)
        starts.append(abs(first.start - label.start) / step)
        if first.end is not None:
            ends.append(abs(first.end - label.end) / step)
        scope_right += first.scope == label.scope
        kind_right += first.kind == label.kind
        stream_hits = [e for e in (streaming or []) if e.id == first.id and e.detected_at is not None]
        for event in stream_hits:
            delay = max(0.0, (event.detected_at or 0) - label.start) / step
            delays.append(delay)
            if label.kind == "blackout":
                blackout_delays.append(delay)
    for event in top:
        if event.id not in matched:
            notes.append(f"false {event.entity} {event.kind} {event.scope} at {event.start}")
    same = None if streaming is None else list(streaming) == list(events)
    if same is False:
        notes.append("streaming differs from batch")
    return ScenarioScore(
        name,
        archetype,
        len(labels),
        len(top),
        found,
        len(matched),
        tuple(starts),
        tuple(ends),
        tuple(delays),
        tuple(blackout_delays),
        scope_right,
        kind_right,
        tuple(notes),
        same,
    )


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals over scenarios."""

    scenarios: int
    labels: int
    detected: int
    precision: float
    recall: float
    median_start_error: float
    median_end_error: float
    median_delay: float
    max_blackout_delay: float
    median_blackout_delay: float
    scope_accuracy: float
    kind_accuracy: float
    streaming_checked: int = 0
    streaming_equal: int = 0


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def summarise(scores: Sequence[ScenarioScore]) -> Summary:
    """Precision = true detections / detections; recall = found labels / labels."""
    labels = sum(s.labels for s in scores)
    detected = sum(s.detected for s in scores)
    found = sum(s.found_labels for s in scores)
    true = sum(s.true_detections for s in scores)
    blackout = [d for s in scores for d in s.blackout_delays]
    return Summary(
        scenarios=len(scores),
        labels=labels,
        detected=detected,
        precision=true / detected if detected else 1.0,
        recall=found / labels if labels else 1.0,
        median_start_error=_median([e for s in scores for e in s.start_errors]),
        median_end_error=_median([e for s in scores for e in s.end_errors]),
        median_delay=_median([d for s in scores for d in s.delays]),
        max_blackout_delay=max(blackout, default=0.0),
        median_blackout_delay=_median(blackout),
        scope_accuracy=sum(s.scope_right for s in scores) / found if found else 1.0,
        kind_accuracy=sum(s.kind_right for s in scores) / found if found else 1.0,
        streaming_checked=sum(s.streaming_equal is not None for s in scores),
        streaming_equal=sum(s.streaming_equal is True for s in scores),
    )
