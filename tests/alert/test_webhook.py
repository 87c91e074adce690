"""Webhooks to a real receiver on loopback: signature, retries with backoff, dead letters, no duplicates."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from pathlib import Path

import pytest

from netvigil.alert import DeliveryPolicy, deliver_due, plan_alerts
from netvigil.alert.channels import CHANNELS as SENDERS
from netvigil.model.alerts import AlertRule
from netvigil.model.events import Phase
from netvigil.pipeline.alert_rules import CHANNELS, TARGET_CHECKS
from netvigil.store import Store, open_store
from tests.alert.receiver import Receiver
from tests.serve import kzdata

SECRET = "s3cret-s3cret-s3cret"
POLICY = DeliveryPolicy(timeout=5.0, max_attempts=3, backoff_seconds=30.0, public_url="https://obs.example")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "a.duckdb")


def webhook_rule(url: str, **filters: object) -> AlertRule:
    return AlertRule(
        id="r1", name="kz ops", channel="webhook", target=url, secret=SECRET, created_at=1, **filters
    )  # type: ignore[arg-type]


def test_signed_messages_one_per_step_in_order(store: Store, receiver: Receiver) -> None:
    store.alerts.add_rule(webhook_rule(receiver.url, entity="country:KZ", max_level=50.0))
    events = kzdata.events()
    assert plan_alerts(store.alerts, events, POLICY, now=1000) == 7
    report = deliver_due(store.alerts, POLICY, now=1000)
    assert report.sent == 7 and report.dead == 0
    national = [r for r in receiver.requests if r["json"]["event"]["id"] == "kz-2022-blackout"]
    assert [r["json"]["transition"] for r in national] == ["started", "partially_restored", "ended"]
    first = national[0]
    stamp = first["headers"]["x-netvigil-timestamp"]
    expected = hmac.new(SECRET.encode(), stamp.encode() + b"." + first["body"], hashlib.sha256).hexdigest()
    assert first["headers"]["x-netvigil-signature"] == f"sha256={expected}"
    assert first["json"]["url"] == "https://obs.example/event/kz-2022-blackout"
    assert first["json"]["event"]["level"] == 3.0
    assert first["headers"]["x-netvigil-delivery"] == "r1:kz-2022-blackout:started"


def test_replanning_and_redelivering_sends_nothing_twice(store: Store, receiver: Receiver) -> None:
    store.alerts.add_rule(webhook_rule(receiver.url, scope="national"))
    national = kzdata.events()[0]
    ongoing = replace(national, end=None, phases=national.phases[:1])
    plan_alerts(store.alerts, [ongoing], POLICY, now=1000)
    deliver_due(store.alerts, POLICY, now=1000)
    assert [r["json"]["transition"] for r in receiver.requests] == ["started"]
    for now in (2000, 3000):
        assert plan_alerts(store.alerts, [ongoing], POLICY, now=now) == 0
        assert deliver_due(store.alerts, POLICY, now=now).sent == 0
    assert plan_alerts(store.alerts, [national], POLICY, now=4000) == 2
    deliver_due(store.alerts, POLICY, now=4000)
    deliver_due(store.alerts, POLICY, now=5000)
    assert [r["json"]["transition"] for r in receiver.requests] == ["started", "partially_restored", "ended"]


def test_failures_are_retried_with_backoff(store: Store, receiver: Receiver) -> None:
    store.alerts.add_rule(webhook_rule(receiver.url, scope="national"))
    receiver.fail_next = 2
    ongoing = replace(kzdata.events()[0], end=None, phases=())
    plan_alerts(store.alerts, [ongoing], POLICY, now=1000)
    assert deliver_due(store.alerts, POLICY, now=1000).retried == 1
    assert deliver_due(store.alerts, POLICY, now=1029).retried == 0
    assert deliver_due(store.alerts, POLICY, now=1030).retried == 1
    assert deliver_due(store.alerts, POLICY, now=1089).sent == 0
    assert deliver_due(store.alerts, POLICY, now=1090).sent == 1
    assert receiver.refused == 2 and len(receiver.requests) == 1
    (sent,) = store.alerts.list_deliveries(status="sent")
    assert sent.attempts == 3 and sent.last_error is None


def test_gives_up_into_the_dead_letter_list(store: Store, receiver: Receiver) -> None:
    store.alerts.add_rule(webhook_rule(receiver.url, scope="national"))
    receiver.fail_next = 100
    plan_alerts(store.alerts, [replace(kzdata.events()[0], end=None, phases=())], POLICY, now=0)
    for now in (0, 30, 90):
        deliver_due(store.alerts, POLICY, now=now)
    (dead,) = store.alerts.list_deliveries(status="dead")
    assert dead.attempts == 3 and dead.last_error is not None
    assert dead.last_error.endswith("answered HTTP 503 Service Unavailable (server error)")
    assert deliver_due(store.alerts, POLICY, now=10_000).sent == 0 and receiver.refused == 3


def test_unreachable_receiver_is_a_failure_not_a_crash(store: Store) -> None:
    store.alerts.add_rule(webhook_rule("http://127.0.0.1:9/hook"))
    plan_alerts(store.alerts, [kzdata.events()[0]], POLICY, now=0)
    report = deliver_due(store.alerts, POLICY, now=0)
    assert report.retried == 3 and report.sent == 0
    assert "ConnectError" in (store.alerts.list_deliveries()[0].last_error or "")


def test_filters_pick_events(store: Store, receiver: Receiver) -> None:
    events = kzdata.events()
    store.alerts.add_rule(webhook_rule(receiver.url, entity="asn:29355"))
    store.alerts.add_rule(replace(webhook_rule(receiver.url, kind="throttling"), id="r2"))
    store.alerts.add_rule(replace(webhook_rule(receiver.url, max_level=2.8), id="r3"))
    store.alerts.add_rule(replace(webhook_rule(receiver.url, since=kzdata.BLACKOUT_END + 1), id="r4"))
    plan_alerts(store.alerts, events, POLICY, now=0)
    queued = {(d.rule_id, d.event_id) for d in store.alerts.list_deliveries(limit=1000)}
    assert queued == {("r1", "kz-2022-kcell"), ("r3", "kz-2022-kcell")}


def test_phases_in_payload(store: Store, receiver: Receiver) -> None:
    store.alerts.add_rule(webhook_rule(receiver.url, scope="national"))
    national = kzdata.events()[0]
    plan_alerts(
        store.alerts,
        [replace(national, phases=(Phase(national.start, None, 3.0, "blackout"),))],
        POLICY,
        now=0,
    )
    deliver_due(store.alerts, POLICY, now=0)
    assert receiver.requests[0]["json"]["headline"].startswith(
        "Blackout in Kazakhstan (national) started: 3.0 %"
    )


def test_every_channel_a_rule_may_name_has_a_sender() -> None:
    assert set(SENDERS) == set(CHANNELS) == set(TARGET_CHECKS)
