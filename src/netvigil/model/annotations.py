"""Analyst annotations of events: the stated cause, who said so, when, and on what source.

A cause is an analyst's statement, never the detector's: each annotation is kept (an append-only
log), and the newest one of an event is its current cause.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Annotation:
    """One analyst statement about an event's cause (``source`` is a URL or citation)."""

    event_id: str
    cause: str
    author: str
    created_at: int
    source: str | None = None
    note: str | None = None
