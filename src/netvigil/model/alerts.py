"""Alert rules and deliveries, as the store keeps them (the ledger is the outbox).

A delivery is one message for one lifecycle step of one event to one rule's channel; its status is
a closed set: ``pending`` (queued or to be retried), ``sent``, ``dead`` (gave up: the dead-letter
list).

A delivery's id, ``<rule>:<event>:<step>``, is stable: every attempt to send that message carries
it (the webhook's ``Idempotency-Key`` and ``X-Netvigil-Delivery``, the e-mail's Message-ID), so a
receiver can drop a repeat; ``netvigil alert resend`` names dead letters by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from netvigil.model.errors import InputError

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

    @property
    def id(self) -> str:
        """``<rule>:<event>:<step>``: the same for every attempt (receivers de-duplicate on it)."""
        return f"{self.rule_id}:{self.event_id}:{self.transition}"


DeliveryKey = tuple[str, str, str]
"""A delivery's (rule id, event id, transition): the ledger's key."""


def parse_delivery_id(text: str) -> DeliveryKey:
    """``<rule>:<event>:<step>`` as its key; an :class:`InputError` saying what is wrong otherwise."""
    rule, _, rest = text.partition(":")
    event, _, step = rest.rpartition(":")
    if not (rule and event and step):
        raise InputError(f"{text!r} is not a delivery id (RULE:EVENT:STEP, e.g. 3fa1c2d4e5f6:kz-1:started)")
    return rule, event, step
