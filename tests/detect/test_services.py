"""The service-event state machine: blocking, throttling, partial failures and network outages."""

from __future__ import annotations

import numpy as np

from netvigil.detect.services import ServiceConfig, detect_service_events, split_entity

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
