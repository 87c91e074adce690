"""The registry of alert channels: a name to the function that sends one message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from netvigil.alert import email, webhook
from netvigil.alert.policy import DeliveryPolicy
from netvigil.model.alerts import AlertDelivery, AlertRule

Sender = Callable[[AlertDelivery, AlertRule, DeliveryPolicy], "str | None"]
CHANNELS: Final[dict[str, Sender]] = {"webhook": webhook.send, "email": email.send}
