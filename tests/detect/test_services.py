"""The service-event state machine: blocking, throttling, partial failures and network outages."""

from __future__ import annotations

import numpy as np

from netvigil.detect.services import (
    ServiceConfig,
    country_series,
    degraded_statement,
    detect_service_events,
    event_scope,
    group_by_place,
    split_entity,
)

STEP = 3600
T0 = 1_640_995_200  # 2022-01-01T00:00Z
KEY = "service:whatsapp@country:KZ"


def _series(values: list[float]) -> tuple[np.ndarray, np.ndarray]:
    times = T0 + STEP * np.arange(len(values), dtype=np.int64)
    return times, np.asarray(values, dtype=np.float64)


def _always_up(scope: str, t: int) -> bool:
    return True


def test_blocking_while_network_up_is_one_service_event() -> None:
    values = [0.97] * 24 + [0.1] * 10 + [0.95] * 10
    (event,) = detect_service_events({KEY: _series(values)}, _always_up, STEP)
    assert (event.kind, event.scope, event.services) == ("service_blocking", "service", ("whatsapp",))
    assert (event.start, event.end) == (T0 + 24 * STEP, T0 + 34 * STEP)
    assert event.level < 15
    assert event.entity == KEY and event.entity_name == "WhatsApp in country:KZ"


def test_partial_failures_and_single_bad_bins_open_nothing() -> None:
    rng = np.random.default_rng(1)
    values = list(np.clip(0.8 + rng.normal(0, 0.08, 200), 0, 1))
    values[50] = 0.0  # one bad bin alone
    values[120:126] = [0.55] * 6  # a third of the tests failing for hours: partial
    assert detect_service_events({KEY: _series(values)}, _always_up, STEP) == []


def test_network_down_is_not_a_service_event() -> None:
    values = [0.97] * 24 + [0.0] * 10 + [0.97] * 10

    def up(scope: str, t: int) -> bool:
        assert scope == "country:KZ"
        return not (T0 + 24 * STEP <= t < T0 + 34 * STEP)

    assert detect_service_events({KEY: _series(values)}, up, STEP) == []


def test_throttled_share_decides_the_kind() -> None:
    values = [0.97] * 24 + [0.2] * 6 + [0.97] * 4
    times, vals = _series(values)
    throttled = np.where(vals < 0.5, 0.7, 0.0)
    (event,) = detect_service_events(
        {KEY: (times, vals)}, _always_up, STEP, throttled={KEY: (times, throttled)}
    )
    assert event.kind == "throttling"
    assert "throttled" in event.signals


def test_ongoing_event_has_no_end_and_gaps_do_not_close_it() -> None:
    times, vals = _series([0.97] * 24 + [0.1] * 3 + [np.nan] * 3 + [0.1] * 3)
    keep = ~np.isnan(vals)
    (event,) = detect_service_events({KEY: (times[keep], vals[keep])}, _always_up, STEP)
    assert event.end is None and event.ongoing


def test_config_thresholds_apply() -> None:
    values = [0.97] * 24 + [0.55] * 6 + [0.97] * 4
    strict = ServiceConfig(drop_percent=60.0, max_share=0.6)
    assert len(detect_service_events({KEY: _series(values)}, _always_up, STEP, strict)) == 1


def test_split_entity() -> None:
    assert split_entity("service:telegram@asn:29355") == ("telegram", "asn:29355")


ALMATY = "service:whatsapp@region:KZ-75"
ASTANA = "service:whatsapp@region:KZ-71"


def test_a_region_degraded_while_the_country_is_fine_is_a_regional_event() -> None:
    almaty = [0.97] * 24 + [0.1] * 8 + [0.97] * 8
    country = [0.97] * 24 + [0.75] * 8 + [0.97] * 8  # the country's mix moves, not below its thresholds
    series = {ALMATY: _series(almaty), ASTANA: _series([0.97] * 40), KEY: _series(country)}
    names = {"region:KZ-75": "Almaty", "region:KZ-71": "Astana"}
    (event,) = detect_service_events(series, _always_up, STEP, place_names=names)
    assert (event.entity, event.scope, event.kind) == (ALMATY, "regional", "service_blocking")
    assert (event.start, event.end) == (T0 + 24 * STEP, T0 + 32 * STEP)
    assert event.entity_name == "WhatsApp in Almaty"


def test_a_country_wide_block_is_the_countrys_event_not_each_regions() -> None:
    blocked = [0.97] * 24 + [0.05] * 8 + [0.97] * 8
    series = {ALMATY: _series(blocked), ASTANA: _series(blocked), KEY: _series(blocked)}
    events = detect_service_events(series, _always_up, STEP)
    assert [(e.entity, e.scope) for e in events] == [(KEY, "service")]


def test_a_region_offline_is_an_outage_not_a_service_event() -> None:
    almaty = [0.97] * 24 + [0.0] * 8 + [0.97] * 8

    def up(scope: str, t: int) -> bool:
        return scope != "region:KZ-75" or not (T0 + 24 * STEP <= t < T0 + 32 * STEP)

    series = {ALMATY: _series(almaty), KEY: _series([0.97] * 40)}
    assert detect_service_events(series, up, STEP) == []


def test_services_degraded_together_in_one_place_are_said_together() -> None:
    down = [0.97] * 24 + [0.1] * 8 + [0.97] * 8
    fine = [0.97] * 40
    series = {
        ALMATY: _series(down),
        "service:telegram@region:KZ-75": _series(down),
        "service:signal@region:KZ-75": _series(fine),
        "service:signal@region:KZ-71": _series(down),
        KEY: _series(fine),
        "service:telegram@country:KZ": _series(fine),
        "service:signal@country:KZ": _series(fine),
    }
    names = {"region:KZ-75": "Almaty", "region:KZ-71": "Astana"}
    events = group_by_place(detect_service_events(series, _always_up, STEP, place_names=names), names)
    by_entity = {e.entity: e for e in events}
    almaty = by_entity[ALMATY]
    assert almaty.services == by_entity["service:telegram@region:KZ-75"].services == ("whatsapp", "telegram")
    assert almaty.phases[0].note.startswith("WhatsApp and Telegram degraded in Almaty")
    assert by_entity["service:signal@region:KZ-71"].phases[0].note.startswith("Signal degraded in Astana")


def test_scope_and_statement_helpers() -> None:
    assert event_scope(ALMATY) == "regional" and event_scope(KEY) == "service"
    assert country_series(ALMATY) == KEY and country_series(KEY) is None
    assert degraded_statement(["whatsapp", "telegram", "signal"], "Almaty") == (
        "WhatsApp, Telegram and Signal degraded in Almaty"
    )


def test_services_blocked_country_wide_meanwhile_are_named_apart() -> None:
    down = [0.97] * 24 + [0.1] * 8 + [0.97] * 8
    series = {
        ALMATY: _series(down),
        KEY: _series([0.97] * 40),
        "service:telegram@region:KZ-75": _series(down),
        "service:telegram@country:KZ": _series(down),
    }
    names = {"region:KZ-75": "Almaty"}
    events = group_by_place(detect_service_events(series, _always_up, STEP, place_names=names), names)
    (almaty,) = [e for e in events if e.scope == "regional"]
    assert almaty.entity == ALMATY and almaty.services == ("whatsapp",)
    assert almaty.phases[0].note.startswith("WhatsApp degraded in Almaty; Telegram degraded country-wide")


def test_a_country_wide_block_that_begins_later_is_not_part_of_the_places_statement() -> None:
    """Telegram blocked country-wide hours after WhatsApp and Telegram degraded in Almaty is its own event."""
    almaty = [0.97] * 24 + [0.1] * 12 + [0.97] * 4
    country = [0.97] * 30 + [0.1] * 10
    series = {
        ALMATY: _series(almaty),
        KEY: _series([0.97] * 40),
        "service:telegram@region:KZ-75": _series(almaty),
        "service:telegram@country:KZ": _series(country),
        "service:signal@country:KZ": _series(country),
    }
    names = {"region:KZ-75": "Almaty"}
    events = group_by_place(detect_service_events(series, _always_up, STEP, place_names=names), names)
    regional = [e for e in events if e.scope == "regional"]
    assert {e.entity for e in regional} == {ALMATY, "service:telegram@region:KZ-75"}
    for event in regional:
        assert event.start == T0 + 24 * STEP and event.services == ("whatsapp", "telegram")
        assert event.phases[0].note == "WhatsApp and Telegram degraded in Almaty: blocked"
    later = {e.entity: e.start for e in events if e.scope == "service"}
    assert later == {f"service:{s}@country:KZ": T0 + 30 * STEP for s in ("telegram", "signal")}
