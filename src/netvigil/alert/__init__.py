"""Alerts: rules that pick events, and channels (webhook, e-mail) that tell people about them.

An event's lifecycle — started, escalated, partially restored, ended — gives one message per rule
and step, ever: the store's delivery ledger remembers what was queued and sent.
"""

from netvigil.alert.dispatch import DeliveryReport, deliver_due, plan_alerts, run_alerts
from netvigil.alert.lifecycle import TRANSITIONS, transitions
from netvigil.alert.policy import DeliveryPolicy

__all__ = [
    "TRANSITIONS",
    "DeliveryPolicy",
    "DeliveryReport",
    "deliver_due",
    "plan_alerts",
    "run_alerts",
    "transitions",
]
