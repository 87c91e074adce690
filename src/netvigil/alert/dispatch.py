"""Turn events into queued messages (once per rule and lifecycle step), then deliver what is due.

Planning and delivering are apart: planning writes to the store's ledger (idempotent), delivery
reads due rows, tries each once, and writes the outcome — sent, retry later with exponential
backoff, or dead (the dead-letter list) after the last attempt. A crash between the two loses
nothing: the queue is in the store.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from netvigil.alert.channels import CHANNELS, Sender
from netvigil.alert.lifecycle import TRANSITIONS, Transition, transitions
from netvigil.alert.policy import DeliveryPolicy
from netvigil.geo.entities import default_registry
from netvigil.model.alerts import AlertDelivery, AlertRule
from netvigil.model.entities import parse_entity
from netvigil.model.errors import EntityParseError
from netvigil.model.events import Event
from netvigil.store.protocol import AlertStore

_WORDS: dict[Transition, str] = {
    "started": "started",
    "escalated": "got worse",
    "partially_restored": "partially restored",
    "ended": "ended",
}


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery round did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0


def _country_of(entity: str) -> str | None:
    try:
        code = parse_entity(entity).country_code
    except EntityParseError:
        return None
    if code is None and entity.startswith("asn:"):
        parent = default_registry().parent(entity)
        return parent.split(":")[1] if parent else None
    return code


def matches(rule: AlertRule, event: Event) -> bool:
    """Whether a rule wants this event: every filter it sets must hold."""
    if rule.entity is not None and rule.entity != event.entity:
        is_country = rule.entity.startswith("country:")
        if not (is_country and _country_of(event.entity) == rule.entity.split(":")[1]):
            return False
    if rule.scope is not None and rule.scope != event.scope:
        return False
    if rule.kind is not None and rule.kind != event.kind:
        return False
    if rule.max_level is not None and event.level > rule.max_level:
        return False
    return not (rule.since is not None and event.end is not None and event.end < rule.since)


def headline(event: Event, transition: Transition) -> str:
    """E.g. "Blackout in Kazakhstan (national) started: 3.1 % of ordinary"."""
    kind = event.kind.replace("_", " ").capitalize()
    return (
        f"{kind} in {event.entity_name} ({event.scope}) {_WORDS[transition]}: {event.level:.1f} % of ordinary"
    )


def _payload(event: Event, transition: Transition, rule: AlertRule, policy: DeliveryPolicy) -> str:
    return json.dumps(
        {
            "type": f"netvigil.event.{transition}",
            "transition": transition,
            "headline": headline(event, transition),
            "url": f"{policy.public_url.rstrip('/')}/event/{event.id}",
            "rule": {"id": rule.id, "name": rule.name},
            "event": event.to_json(),
        },
        sort_keys=True,
    )


def plan_alerts(
    alerts: AlertStore, events: list[Event], policy: DeliveryPolicy, now: int | None = None
) -> int:
    """Queue a message for every new (rule, event, step); returns how many were new."""
    now = int(time.time()) if now is None else now
    queued: list[AlertDelivery] = []
    for rule in alerts.list_rules():
        for event in events:
            if not matches(rule, event):
                continue
            for step in transitions(event):
                body = _payload(event, step, rule, policy)
                queued.append(AlertDelivery(rule.id, event.id, step, body, "pending", 0, now, now))
    return alerts.enqueue(queued)


def _order(delivery: AlertDelivery) -> tuple[int, str, int]:
    step = TRANSITIONS.index(delivery.transition) if delivery.transition in TRANSITIONS else 0
    return (delivery.created_at, delivery.event_id, step)


def deliver_due(
    alerts: AlertStore,
    policy: DeliveryPolicy,
    now: int | None = None,
    channels: dict[str, Sender] | None = None,
) -> DeliveryReport:
    """Try every due message once; record sent, retry-later (backoff) or dead."""
    now = int(time.time()) if now is None else now
    channels = channels or CHANNELS
    rules = {r.id: r for r in alerts.list_rules()}
    sent = retried = dead = 0
    for delivery in sorted(alerts.due_deliveries(now, limit=1000), key=_order):
        rule = rules.get(delivery.rule_id)
        sender = channels.get(rule.channel) if rule else None
        error = sender(delivery, rule, policy) if sender and rule else "the rule or its channel is gone"
        if error is None:
            alerts.record_attempt(delivery, status="sent", next_attempt_at=now, error=None)
            sent += 1
        elif delivery.attempts + 1 >= policy.max_attempts:
            alerts.record_attempt(delivery, status="dead", next_attempt_at=now, error=error)
            dead += 1
        else:
            delay = round(policy.retry_delay(delivery.attempts + 1))
            alerts.record_attempt(delivery, status="pending", next_attempt_at=now + delay, error=error)
            retried += 1
    return DeliveryReport(sent, retried, dead)


def run_alerts(alerts: AlertStore, events: list[Event], policy: DeliveryPolicy) -> DeliveryReport:
    """Plan messages for ``events`` and deliver whatever is due (the watch loop's alert step)."""
    plan_alerts(alerts, events, policy)
    return deliver_due(alerts, policy)
