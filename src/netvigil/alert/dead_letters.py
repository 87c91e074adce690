"""The dead-letter list: messages given up on after the last attempt, and sending them again.

A dead letter goes back to the queue with a fresh count of attempts and keeps its delivery id, so a
receiver that did get an earlier try (and answered too late, or wrongly) can drop the repeat.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from netvigil.alert.dispatch import DeliveryReport, deliver_due
from netvigil.alert.policy import DeliveryPolicy
from netvigil.model.alerts import AlertDelivery, DeliveryKey, parse_delivery_id
from netvigil.model.errors import InputError
from netvigil.store.protocol import AlertStore

DEAD_LIMIT = 100_000
"""The most dead letters listed or resent at once."""


def dead_letters(alerts: AlertStore) -> list[AlertDelivery]:
    """Every dead letter, newest first."""
    return alerts.list_deliveries(status="dead", limit=DEAD_LIMIT)


def chosen_keys(alerts: AlertStore, ids: Sequence[str] | None) -> list[DeliveryKey]:
    """The keys of the dead letters named by ``ids`` (None: all of them).

    An id that is malformed or names no dead letter is an :class:`InputError` naming it, and
    nothing is resent.
    """
    dead = {(d.rule_id, d.event_id, d.transition) for d in dead_letters(alerts)}
    if ids is None:
        return sorted(dead)
    keys = [parse_delivery_id(text) for text in ids]
    for text, key in zip(ids, keys, strict=True):
        if key not in dead:
            raise InputError(f"no dead letter {text!r} (`netvigil alert resend` with no id lists them)")
    return keys


def resend(
    alerts: AlertStore, policy: DeliveryPolicy, ids: Sequence[str] | None, now: int | None = None
) -> tuple[int, DeliveryReport]:
    """Requeue the dead letters named (None: all), then deliver what is due; (requeued, report)."""
    now = int(time.time()) if now is None else now
    requeued = alerts.requeue_dead(chosen_keys(alerts, ids), now)
    return requeued, deliver_due(alerts, policy, now=now)
