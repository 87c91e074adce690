"""The e-mail channel: one plain-text message per lifecycle step, over SMTP.

The Message-ID is stable per rule, event and step (and ``X-Netvigil-Delivery`` carries the
delivery id), so a mail system can spot a repeat: delivery is at least once.
"""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from typing import Any

from netvigil.alert.policy import DeliveryPolicy
from netvigil.model.alerts import AlertDelivery, AlertRule


def compose(delivery: AlertDelivery, rule: AlertRule, policy: DeliveryPolicy) -> EmailMessage:
    """The message for one delivery."""
    payload = json.loads(delivery.payload)
    message = EmailMessage()
    message["From"] = policy.smtp_from
    message["To"] = rule.target
    message["Subject"] = f"[netvigil] {payload['headline']}"
    message["Message-ID"] = f"<{delivery.rule_id}.{delivery.event_id}.{delivery.transition}@netvigil>"
    message["X-Netvigil-Transition"] = delivery.transition
    message["X-Netvigil-Delivery"] = delivery.id
    event = payload["event"]
    lines = [
        payload["headline"],
        "",
        f"Entity:     {event['entity_name']} ({event['entity']})",
        f"Kind:       {event['kind']} ({event['scope']})",
        f"Level:      {event['level']} % of ordinary (lowest seen){_national(event)}",
        f"Start:      {event['start']}",
        f"End:        {event['end'] or 'ongoing'}",
        f"Signals:    {', '.join(event['signals'])}",
        "",
        f"Details: {payload['url']}",
        f"Rule: {rule.name}",
    ]
    message.set_content("\n".join(lines))
    return message


def _national(event: dict[str, Any]) -> str:
    """The national figure beside the level, for an event about some networks of a country."""
    national = event.get("national_level")
    return "" if national is None else f"; national {national} %"


def send(delivery: AlertDelivery, rule: AlertRule, policy: DeliveryPolicy) -> str | None:
    """Send one message; returns None on success, else what went wrong, naming the SMTP server.

    "unreachable" when no SMTP conversation could start (refused, no such host, timed out);
    "answered with an error" when the server took the connection and then refused or dropped.
    """
    server = f"SMTP server {policy.smtp_host}:{policy.smtp_port}"
    try:
        with smtplib.SMTP(policy.smtp_host, policy.smtp_port, timeout=policy.timeout) as smtp:
            smtp.send_message(compose(delivery, rule, policy))
    except smtplib.SMTPException as exc:  # a subclass of OSError: caught first
        return f"{server} answered with an error: {type(exc).__name__}: {exc}"
    except OSError as exc:
        return f"{server} unreachable: {type(exc).__name__}: {exc}"
    return None
