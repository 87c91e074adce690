"""Alert rules and deliveries, as the store keeps them (the ledger is the outbox).

A delivery is one message for one lifecycle step of one event to one rule's channel; its status is
a closed set: ``pending`` (queued or to be retried), ``sent``, ``dead`` (gave up: the dead-letter
list).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

DeliveryStatus = Literal["pending", "sent", "dead"]
DELIVERY_STATUSES: Final[tuple[DeliveryStatus, ...]] = ("pending", "sent", "dead")


@dataclass(frozen=True, slots=True)
class AlertRule:
    """Which events to tell whom: every set filter narrows; ``max_level`` is the lowest level bound."""

    id: str
    name: str
    channel: str
    target: str
    entity: str | None = None
    scope: str | None = None
    kind: str | None = None
    max_level: float | None = None
    secret: str | None = None
    since: int | None = None
    created_at: int = 0


@dataclass(frozen=True, slots=True)
class AlertDelivery:
    """One message for one lifecycle step of one event to one rule's channel."""

    rule_id: str
    event_id: str
    transition: str
    payload: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: int
    created_at: int
    sent_at: int | None = None
    last_error: str | None = None
