"""Alert rules and the delivery ledger in ClickHouse; the ledger is also the outbox.

One row per (rule, event, transition) — its key — so a lifecycle step is queued at most once;
an attempt's outcome is a new version of that row.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from netvigil.model.alerts import AlertDelivery, AlertRule, DeliveryKey, DeliveryStatus
from netvigil.model.errors import StoreError
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import Table, lit
from netvigil.store.columns import values_of
from netvigil.store.migrations import SERVICE, Migration

RULES = Table.of("alert_rules", AlertRule, ("id",))
DELIVERIES = Table.of("alert_deliveries", AlertDelivery, ("rule_id", "event_id", "transition"))
MIGRATIONS = (Migration(5, SERVICE, lambda: [RULES.ddl(), DELIVERIES.ddl()]),)


def _key(delivery: AlertDelivery) -> DeliveryKey:
    return delivery.rule_id, delivery.event_id, delivery.transition


def _where_key(delivery: AlertDelivery) -> str:
    return _where(_key(delivery))


def _where(key: DeliveryKey) -> str:
    rule, event, transition = key
    return f"rule_id = {lit(rule)} AND event_id = {lit(event)} AND transition = {lit(transition)}"


class AlertTable:
    """The :class:`~netvigil.store.protocol.AlertStore` part on ClickHouse."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _has_rule(self, rule_id: str) -> bool:
        source = self._db.source("alert_rules")
        return bool(self._db.value(f"SELECT count() FROM {source} WHERE id = {lit(rule_id)}"))

    def add_rule(self, rule: AlertRule) -> AlertRule:
        """Store a rule (its id must be new: a second rule with it is a :class:`StoreError`)."""
        with self._db.transaction():
            if self._has_rule(rule.id):
                raise StoreError(f"store {self._db.where}: an alert rule with id {rule.id!r} exists")
            self._db.insert_rows("alert_rules", [values_of(rule)])
        return rule

    def list_rules(self) -> list[AlertRule]:
        """Every rule, oldest first."""
        rows = self._db.rows(
            f"SELECT {RULES.select_list()} FROM {self._db.source('alert_rules')} ORDER BY created_at, id"
        )
        return [AlertRule(*row) for row in rows]

    def delete_rule(self, rule_id: str) -> bool:
        """Remove a rule and its pending deliveries; returns False if there was no such rule."""
        with self._db.transaction():
            if not self._has_rule(rule_id):
                return False
            self._db.delete("alert_deliveries", f"rule_id = {lit(rule_id)} AND status = 'pending'")
            self._db.delete("alert_rules", f"id = {lit(rule_id)}")
        return True

    def enqueue(self, deliveries: Sequence[AlertDelivery]) -> int:
        """Queue deliveries not queued before (same rule, event and transition); returns how many are new."""
        if not deliveries:
            return 0
        with self._db.transaction():
            rules = sorted({d.rule_id for d in deliveries})
            known = {
                (str(r), str(e), str(t))
                for r, e, t in self._db.rows(
                    f"SELECT rule_id, event_id, transition FROM {self._db.source('alert_deliveries')} "
                    f"WHERE rule_id IN ({', '.join(lit(r) for r in rules)})"
                )
            }
            fresh: dict[tuple[str, str, str], AlertDelivery] = {}
            for delivery in deliveries:
                if _key(delivery) not in known:
                    fresh.setdefault(_key(delivery), delivery)
            self._db.insert_rows("alert_deliveries", [values_of(d) for d in fresh.values()])
        return len(fresh)

    def due_deliveries(self, now: int, limit: int = 100) -> list[AlertDelivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        rows = self._db.rows(
            f"SELECT {DELIVERIES.select_list()} FROM {self._db.source('alert_deliveries')} "
            f"WHERE status = 'pending' AND next_attempt_at <= {lit(now)} "
            f"ORDER BY created_at, event_id, transition LIMIT {int(limit)}"
        )
        return [AlertDelivery(*row) for row in rows]

    def record_attempt(
        self, delivery: AlertDelivery, *, status: DeliveryStatus, next_attempt_at: int, error: str | None
    ) -> None:
        """Write the outcome of one attempt: sent, retry later (pending), or dead."""
        sent_at = int(time.time()) if status == "sent" else None
        with self._db.transaction():
            self._db.update(
                "alert_deliveries",
                {
                    "status": lit(status),
                    "attempts": "attempts + 1",
                    "next_attempt_at": lit(next_attempt_at),
                    "sent_at": f"CAST({lit(sent_at)} AS Nullable(Int64))",
                    "last_error": f"CAST({lit(error)} AS Nullable(String))",
                },
                _where_key(delivery),
            )

    def list_deliveries(
        self, status: str | None = None, event_id: str | None = None, limit: int = 100
    ) -> list[AlertDelivery]:
        """Deliveries, newest first, optionally of one status (``dead`` is the dead-letter list) or event."""
        where = "1"
        if status is not None:
            where += f" AND status = {lit(status)}"
        if event_id is not None:
            where += f" AND event_id = {lit(event_id)}"
        rows = self._db.rows(
            f"SELECT {DELIVERIES.select_list()} FROM {self._db.source('alert_deliveries')} WHERE {where} "
            f"ORDER BY created_at DESC LIMIT {int(limit)}"
        )
        return [AlertDelivery(*row) for row in rows]

    def _count(self, where: str) -> int:
        return int(self._db.value(f"SELECT count() FROM {self._db.source('alert_deliveries')} WHERE {where}"))

    def claim(self, delivery: AlertDelivery, *, now: int, until: int) -> bool:
        """Take a due pending delivery for sending: its next attempt moves to ``until`` (a lease).

        The check and the new version are one transaction of this process (the write lock); with a
        ClickHouse server shared by several processes, run one deliverer. (The update selects by key
        only: ClickHouse reads a column set in the same SELECT as its new value.)
        """
        due = f"{_where_key(delivery)} AND status = 'pending' AND next_attempt_at <= {lit(now)}"
        with self._db.transaction():
            if not self._count(due):
                return False
            self._db.update("alert_deliveries", {"next_attempt_at": lit(until)}, _where_key(delivery))
        return True

    def requeue_dead(self, keys: Sequence[DeliveryKey], now: int) -> int:
        """Dead letters with these keys back to pending, due at ``now`` with no attempts counted."""
        if not keys:
            return 0
        asked = " OR ".join(f"({_where(k)})" for k in dict.fromkeys(keys))
        with self._db.transaction():
            dead = self._db.rows(
                f"SELECT rule_id, event_id, transition FROM {self._db.source('alert_deliveries')} "
                f"WHERE status = 'dead' AND ({asked})"
            )
            if dead:
                self._db.update(
                    "alert_deliveries",
                    {"status": lit("pending"), "attempts": "0", "next_attempt_at": lit(now)},
                    " OR ".join(f"({_where((str(r), str(e), str(t)))})" for r, e, t in dead),
                )
        return len(dead)
