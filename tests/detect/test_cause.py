"""Cause suggestion from an event's shape (detect.cause): labelled, with its reason, scored on IODA's list."""

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from netvigil.detect.cause import CheckedOutage, score, suggest_cause, with_suggestions
from netvigil.model.events import Event, Phase

from .helpers import DAY, T0

HOUR = 3600
IODA_LIST = Path(__file__).parents[1] / "fixtures" / "ground-truth" / "ioda_causes.csv"


def cut(
    start: int,
    hours: float,
    *,
    entity: str = "country:SY",
    scope: str = "national",
    level: float = 0.0,
    signals: tuple[str, ...] = ("bgp", "probe"),
    notes: tuple[str, ...] = (),
) -> Event:
    end = start + int(hours * HOUR)
    phases = tuple(Phase(start, end, level, note) for note in notes)
    return Event(
        id=f"{entity}|{start}",
        entity=entity,
        entity_name=entity,
        kind="blackout" if level <= 10 else "disruption",
        scope=scope,  # type: ignore[arg-type]
        start=start,
        end=end,
        level=level,
        signals=signals,
        confidence=0.9,
        phases=phases,
    )


def days_of(hour_utc: float, hours: float, days: int = 4, **kwargs: object) -> list[Event]:
    return [cut(T0 + d * DAY + int(hour_utc * HOUR), hours, **kwargs) for d in range(days)]  # type: ignore[arg-type]


def test_recurring_short_morning_cuts_suggest_exams() -> None:
    exams = days_of(1, 4)  # 01:00 UTC = 04:00 in Damascus (UTC+3)
    found = suggest_cause(exams[0], exams[1:], utc_offset=3.0)
    assert found is not None and found.cause == "exams"
    assert "local morning" in found.reason and "4 days" in found.reason


def test_the_same_night_cut_every_day_suggests_a_government_order() -> None:
    curfew = days_of(18, 8, entity="country:MM")  # 00:30 in Yangon (UTC+6:30)
    found = suggest_cause(curfew[0], curfew[1:], utc_offset=6.5)
    assert found is not None and found.cause == "government_directed"
    assert "same hour on 4 days" in found.reason


def test_recurrence_needs_cuts_of_a_like_length() -> None:
    one = cut(T0 + int(1 * HOUR), 4)
    blips = [cut(T0 + d * DAY + HOUR, 0.5) for d in (1, 2, 3)]
    assert suggest_cause(one, blips, utc_offset=3.0) is None


def test_a_long_sharp_national_blackout_with_routes_withdrawn_suggests_an_order() -> None:
    found = suggest_cause(cut(T0, 30), [])
    assert found is not None and found.cause == "government_directed"
    assert "sharp national cut to 0 %" in found.reason and "BGP routes withdrawn" in found.reason


def test_a_short_single_cut_gets_no_suggestion() -> None:
    assert suggest_cause(cut(T0, 3), []) is None


def test_a_regional_cut_with_a_ragged_recovery_suggests_a_power_outage() -> None:
    notes = ("blackout", "partial restoration", "cut again", "partial restoration")
    found = suggest_cause(cut(T0, 20, entity="region:VE-X", scope="regional", notes=notes), [])
    assert found is not None and found.cause == "power_outage" and "slowly and unevenly" in found.reason


def test_routes_kept_across_networks_or_latency_up_suggest_a_cable_cut() -> None:
    degraded = cut(T0, 10, level=35.0, signals=("probe", "traffic"))
    found = suggest_cause(degraded, [], observed=frozenset({"bgp", "probe", "traffic"}))
    assert found is not None and found.cause == "cable_cut" and "routes stayed up" in found.reason
    no_bgp = frozenset({"probe", "traffic"})
    assert suggest_cause(degraded, [], observed=no_bgp) is None  # no BGP data: cannot tell routes kept
    slow = suggest_cause(degraded, [], latency_up=True)
    assert slow is not None and slow.cause == "cable_cut" and "latency rose" in slow.reason


def test_service_events_get_no_shape_suggestion() -> None:
    blocked = replace(cut(T0, 30), kind="service_blocking")
    assert suggest_cause(blocked, []) is None


def test_the_suggestion_is_labelled_on_the_event_and_survives_json() -> None:
    events = with_suggestions(days_of(1, 4), lambda country, at: 3.0 if country == "SY" else None)
    first = events[0]
    assert first.suggestion is not None
    assert first.suggestion.text.startswith("suggested cause: exam-time shutdown because short cuts")
    shown = first.to_json()["suggested_cause"]
    assert shown["status"] == "suggestion" and shown["cause"] == "exams" and "not confirmed" in shown["text"]
    assert Event.from_json(first.to_json()) == first
    assert first.cause is None  # the analyst's cause stays theirs


@pytest.fixture(scope="module")
def ioda_score():  # type: ignore[no-untyped-def]
    with IODA_LIST.open(encoding="utf-8", newline="") as handle:
        return score([CheckedOutage.from_row(row) for row in csv.DictReader(handle)])


def test_on_iodas_checked_outages_exams_and_orders_are_recognised(ioda_score) -> None:  # type: ignore[no-untyped-def]
    assert sum(ioda_score.confusion["exams"].values()) == 63
    assert ioda_score.accuracy("exams") >= 0.9 and ioda_score.precision("exams") >= 0.95
    assert ioda_score.accuracy("government_directed") >= 0.85


def test_on_iodas_checked_outages_a_suggestion_is_mostly_right(ioda_score) -> None:  # type: ignore[no-untyped-def]
    assert ioda_score.suggested_precision() >= 0.9


def test_a_restoration_followed_by_a_new_cut_is_a_switch_not_a_ragged_recovery() -> None:
    switched = ("blackout", "brief restoration", "cut again", "partial restoration", "cut again")
    found = suggest_cause(cut(T0, 60, notes=switched), [])
    assert found is not None and found.cause == "government_directed"
