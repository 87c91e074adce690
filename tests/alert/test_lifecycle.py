"""Lifecycle steps read from an event: started, escalated, partially restored, ended."""

from __future__ import annotations

from dataclasses import replace

from netvigil.alert import transitions
from netvigil.model.events import Phase
from tests.serve import kzdata


def test_the_kazakhstan_blackout_has_every_step_but_escalation() -> None:
    national = kzdata.events()[0]
    assert transitions(national) == ["started", "partially_restored", "ended"]


def test_ongoing_event_that_got_worse() -> None:
    national = kzdata.events()[0]
    worse = replace(
        national,
        end=None,
        level=2.0,
        phases=(
            Phase(national.start, national.start + 3600, 45.0, "disruption"),
            Phase(national.start + 3600, None, 2.0, "blackout"),
        ),
    )
    assert transitions(worse) == ["started", "escalated"]


def test_recovery_after_the_lowest_phase_counts_as_partial_restoration() -> None:
    national = kzdata.events()[0]
    event = replace(
        national,
        end=None,
        phases=(
            Phase(national.start, national.start + 3600, 3.0, "blackout"),
            Phase(national.start + 3600, None, 60.0, "recovering"),
        ),
    )
    assert transitions(event) == ["started", "partially_restored"]
    assert transitions(replace(event, phases=())) == ["started"]
