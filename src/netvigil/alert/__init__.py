"""Alerts: rules that pick events, and channels (webhook, e-mail) that tell people about them.

An event's lifecycle — started, escalated, partially restored, ended — gives one message per rule
and step: the store's delivery ledger remembers what was queued and sent. Delivery is at least
once (a crash mid-send cannot know what the receiver got); every try carries the same delivery id.
"""

from netvigil.alert.dead_letters import dead_letters, resend
from netvigil.alert.dispatch import DeliveryReport, deliver_due, plan_alerts, run_alerts
from netvigil.alert.lifecycle import TRANSITIONS, transitions
from netvigil.alert.policy import DeliveryPolicy

__all__ = [
    "TRANSITIONS",
    "DeliveryPolicy",
    "DeliveryReport",
    "dead_letters",
    "deliver_due",
    "plan_alerts",
    "resend",
    "run_alerts",
    "transitions",
]
