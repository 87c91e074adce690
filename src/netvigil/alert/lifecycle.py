"""An event's lifecycle steps, read from the event itself (so re-running detection is harmless).

- ``started``: the event exists;
- ``escalated``: a later phase is at least :data:`MARGIN` points below the first phase's level;
- ``partially_restored``: a phase says "partial", or a phase after the lowest one is at least
  :data:`MARGIN` points above it;
- ``ended``: the event has an end.
Each step is reported once per rule; a step that happened twice is still one message.
"""

from __future__ import annotations

from typing import Final, Literal

from netvigil.model.events import Event

Transition = Literal["started", "escalated", "partially_restored", "ended"]
TRANSITIONS: Final[tuple[Transition, ...]] = ("started", "escalated", "partially_restored", "ended")
MARGIN: Final = 10.0


def _escalated(event: Event) -> bool:
    phases = event.phases
    return bool(phases) and any(p.level <= phases[0].level - MARGIN for p in phases[1:])


def _partially_restored(event: Event) -> bool:
    phases = event.phases
    if any("partial" in p.note.lower() for p in phases):
        return True
    if not phases:
        return False
    lowest = min(range(len(phases)), key=lambda i: phases[i].level)
    return any(p.level >= phases[lowest].level + MARGIN for p in phases[lowest + 1 :])


def transitions(event: Event) -> list[Transition]:
    """The lifecycle steps this event has gone through so far, in order."""
    found: list[Transition] = ["started"]
    if _escalated(event):
        found.append("escalated")
    if _partially_restored(event):
        found.append("partially_restored")
    if event.end is not None:
        found.append("ended")
    return found
