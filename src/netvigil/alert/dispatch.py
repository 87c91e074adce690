"""Turn events into queued messages (once per rule and lifecycle step), then deliver what is due.

Planning and delivering are apart: planning writes to the store's ledger (idempotent), delivery
reads due rows, claims each in the store (a lease, written before anything is sent), tries it
once, and writes the outcome — sent, retry later with exponential backoff, or dead (the
dead-letter list) after the last attempt. A crash between the two loses nothing: the queue is in
the store. A crash *during* a send cannot know whether the receiver got the message, so delivery
is at least once: when the lease ends the message is sent again with the same delivery id, which
receivers de-duplicate on (:attr:`AlertDelivery.id`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

from netvigil.alert.channels import CHANNELS, Sender
from netvigil.alert.lifecycle import TRANSITIONS, Transition, transitions
from netvigil.alert.policy import DeliveryPolicy
from netvigil.geo.entities import default_registry
from netvigil.model.alerts import AlertDelivery, AlertRule
from netvigil.model.entities import parse_entity
from netvigil.model.errors import EntityParseError
from netvigil.model.events import Event, national_aside
from netvigil.store.protocol import AlertStore

_ROUND_LIMIT: Final = 1000
"""The most messages one round takes (the rest wait for the next round)."""
_WAITING_LIMIT: Final = 100_000
"""The most pending messages read to find which receivers have one waiting for its turn."""

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
    """Whether a rule wants this event: every filter it sets must hold.

    A rule on a country takes every event in it; a rule on a region (or any place) also takes the
    service events seen from there (``service:whatsapp@region:KZ-75`` for ``region:KZ-75``).
    """
    if rule.entity is not None and rule.entity not in (event.entity, event.place):
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
    """E.g. "Blackout in Kazakhstan (national) started: 3.1 % of ordinary".

    An event about some networks of a country gives their level, then the national one beside it:
    "Blackout in Kazakhstan (network: mobile) started: 3.3 % of ordinary (national 44.5 %)".
    """
    kind = event.kind.replace("_", " ").capitalize()
    scope: str = event.scope
    if event.national_level is not None:
        scope = f"{scope}: {', '.join(event.network_kinds)}"
    return (
        f"{kind} in {event.entity_name} ({scope}) {_WORDS[transition]}: {event.level:.1f} % of ordinary"
        f"{national_aside(event)}"
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


Receiver = tuple[str, str]
"""Who gets a message: (channel, target); a rule that is gone is its own receiver ("", rule id)."""


def _receiver(delivery: AlertDelivery, rules: dict[str, AlertRule]) -> Receiver:
    rule = rules.get(delivery.rule_id)
    return (rule.channel, rule.target) if rule else ("", delivery.rule_id)


def _queues(
    alerts: AlertStore, rules: dict[str, AlertRule], now: int
) -> dict[Receiver, list[AlertDelivery]]:
    """Each receiver's due messages in queue order, up to the first one still waiting for its turn.

    A message waiting for a retry (or held by another deliverer) holds back the receiver's later
    ones, so they do not overtake it.
    """
    waiting: dict[Receiver, tuple[int, str, int]] = {}
    for delivery in alerts.list_deliveries(status="pending", limit=_WAITING_LIMIT):
        if delivery.next_attempt_at > now:
            receiver = _receiver(delivery, rules)
            waiting[receiver] = min(waiting.get(receiver, _order(delivery)), _order(delivery))
    queues: dict[Receiver, list[AlertDelivery]] = {}
    for delivery in sorted(alerts.due_deliveries(now, limit=_ROUND_LIMIT), key=_order):
        receiver = _receiver(delivery, rules)
        if receiver not in waiting or _order(delivery) < waiting[receiver]:
            queues.setdefault(receiver, []).append(delivery)
    return queues


@dataclass(frozen=True, slots=True)
class _Round:
    """One delivery round's fixed inputs, shared by the workers."""

    alerts: AlertStore
    policy: DeliveryPolicy
    now: int
    rules: dict[str, AlertRule]
    channels: dict[str, Sender]

    def attempt(self, delivery: AlertDelivery) -> str | None:
        """Send one message; None on success, else what went wrong."""
        rule = self.rules.get(delivery.rule_id)
        sender = self.channels.get(rule.channel) if rule else None
        if sender is None or rule is None:
            return "the rule or its channel is gone"
        return sender(delivery, rule, self.policy)

    def deliver(self, delivery: AlertDelivery) -> DeliveryReport:
        """Claim, send and record one message (nothing if another deliverer has it)."""
        now, policy = self.now, self.policy
        if not self.alerts.claim(delivery, now=now, until=now + policy.lease_seconds):
            return DeliveryReport()
        error = self.attempt(delivery)
        if error is None:
            self.alerts.record_attempt(delivery, status="sent", next_attempt_at=now, error=None)
            return DeliveryReport(sent=1)
        if delivery.attempts + 1 >= policy.max_attempts:
            self.alerts.record_attempt(delivery, status="dead", next_attempt_at=now, error=error)
            return DeliveryReport(dead=1)
        delay = round(policy.retry_delay(delivery.attempts + 1))
        self.alerts.record_attempt(delivery, status="pending", next_attempt_at=now + delay, error=error)
        return DeliveryReport(retried=1)

    def deliver_queue(self, queue: list[AlertDelivery]) -> DeliveryReport:
        """One receiver's messages, one after another in order."""
        return _total(self.deliver(delivery) for delivery in queue)


def _total(reports: Iterable[DeliveryReport]) -> DeliveryReport:
    sent = retried = dead = 0
    for report in reports:
        sent, retried, dead = sent + report.sent, retried + report.retried, dead + report.dead
    return DeliveryReport(sent, retried, dead)


def deliver_due(
    alerts: AlertStore,
    policy: DeliveryPolicy,
    now: int | None = None,
    channels: dict[str, Sender] | None = None,
) -> DeliveryReport:
    """Try every due message once; record sent, retry-later (backoff) or dead.

    Receivers are served in parallel by at most ``policy.workers`` threads, so a slow one holds up
    no one else; each receiver gets its messages one at a time, in the order they were queued.
    Every message is claimed in the store before it is sent (see :meth:`AlertStore.claim`).
    """
    now = int(time.time()) if now is None else now
    rules = {r.id: r for r in alerts.list_rules()}
    queues = _queues(alerts, rules, now)
    if not queues:
        return DeliveryReport()
    work = _Round(alerts, policy, now, rules, channels or CHANNELS)
    with ThreadPoolExecutor(max_workers=max(1, min(policy.workers, len(queues)))) as pool:
        return _total(pool.map(work.deliver_queue, queues.values()))


def run_alerts(alerts: AlertStore, events: list[Event], policy: DeliveryPolicy) -> DeliveryReport:
    """Plan messages for ``events`` and deliver whatever is due (the watch loop's alert step)."""
    plan_alerts(alerts, events, policy)
    return deliver_due(alerts, policy)
