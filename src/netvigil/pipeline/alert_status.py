"""How each alert rule's deliveries stand, and why the failing ones fail (``alert status``, the API).

A receiver that cannot be reached stays silent, so the ledger has to say it: per rule, how many
messages were sent, wait for a try or a retry, or were given up on (dead letters), and the newest
failure's reason as the channel wrote it ("SMTP server mail.example:25 unreachable: …",
"webhook hooks.example answered HTTP 503 Service Unavailable (server error)").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from netvigil.model.alerts import AlertDelivery, AlertRule
from netvigil.model.events import iso
from netvigil.store.protocol import AlertStore

READ_LIMIT: Final = 100_000
"""The most deliveries read to count (newest first)."""


@dataclass(frozen=True, slots=True)
class RuleStatus:
    """One rule's deliveries: counts by outcome and the newest failure."""

    rule: AlertRule
    sent: int
    pending: int
    retrying: int
    dead: int
    last_sent_at: int | None
    last_error: str | None
    last_error_delivery: str | None

    @property
    def failing(self) -> bool:
        """Whether the newest try of some message failed (it is retrying or dead)."""
        return self.retrying + self.dead > 0

    def to_json(self) -> dict[str, Any]:
        """The status as JSON (times ISO 8601 UTC)."""
        return {
            "rule_id": self.rule.id,
            "name": self.rule.name,
            "channel": self.rule.channel,
            "target": self.rule.target,
            "sent": self.sent,
            "pending": self.pending,
            "retrying": self.retrying,
            "dead": self.dead,
            "failing": self.failing,
            "last_sent_at": iso(self.last_sent_at),
            "last_error": self.last_error,
            "last_error_delivery": self.last_error_delivery,
        }


def _status(rule: AlertRule, deliveries: list[AlertDelivery]) -> RuleStatus:
    counts = Counter(d.status for d in deliveries)
    retrying = sum(1 for d in deliveries if d.status == "pending" and d.last_error)
    failed = [d for d in deliveries if d.status != "sent" and d.last_error]
    newest = max(failed, key=lambda d: (d.next_attempt_at, d.created_at), default=None)
    sent_at = [d.sent_at for d in deliveries if d.sent_at is not None]
    return RuleStatus(
        rule=rule,
        sent=counts["sent"],
        pending=counts["pending"] - retrying,
        retrying=retrying,
        dead=counts["dead"],
        last_sent_at=max(sent_at, default=None),
        last_error=newest.last_error if newest else None,
        last_error_delivery=newest.id if newest else None,
    )


def rule_statuses(alerts: AlertStore) -> list[RuleStatus]:
    """Every rule's status, in the order the rules were made."""
    by_rule: dict[str, list[AlertDelivery]] = {}
    for delivery in alerts.list_deliveries(limit=READ_LIMIT):
        by_rule.setdefault(delivery.rule_id, []).append(delivery)
    return [_status(rule, by_rule.get(rule.id, [])) for rule in alerts.list_rules()]
