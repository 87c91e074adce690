"""Alert rules and the delivery ledger in DuckDB; the ledger is also the outbox.

One row per (rule, event, transition) — its primary key — so a lifecycle step is queued at most
once, ever: that row is the memory of what was sent. A row starts ``pending``, becomes ``sent``,
or after the last failed retry ``dead`` (the dead-letter list). Queued work survives restarts
because it lives here, not in memory.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import duckdb

from netvigil.model.alerts import AlertDelivery, AlertRule, DeliveryKey, DeliveryStatus
from netvigil.store.duckdb.database import Database
from netvigil.store.duckdb.migrations import SERVICE, Migration
from netvigil.store.duckdb.schema import create_table_sql, insert_sql, values_of


def _tables() -> list[str]:
    return [
        create_table_sql("alert_rules", AlertRule, primary_key=("id",)),
        create_table_sql(
            "alert_deliveries", AlertDelivery, primary_key=("rule_id", "event_id", "transition")
        ),
        "CREATE INDEX IF NOT EXISTS alert_deliveries_status ON alert_deliveries (status)",
    ]


MIGRATIONS = (Migration(5, SERVICE, _tables),)
_KEY = "rule_id = ? AND event_id = ? AND transition = ?"


def _count(cur: duckdb.DuckDBPyConnection) -> int:
    row = cur.execute("SELECT count(*) FROM alert_deliveries").fetchone()
    return int(row[0]) if row else 0


class AlertTable:
    """The :class:`~netvigil.store.protocol.AlertStore` part on DuckDB."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_rule(self, rule: AlertRule) -> AlertRule:
        """Store a rule (its id must be new)."""
        with self._db.transaction() as cur:
            cur.execute(insert_sql("alert_rules", AlertRule), values_of(rule))
        return rule

    def list_rules(self) -> list[AlertRule]:
        """Every rule, oldest first."""
        with self._db.reading() as cur:
            rows = cur.execute("SELECT * FROM alert_rules ORDER BY created_at, id").fetchall()
        return [AlertRule(*row) for row in rows]

    def delete_rule(self, rule_id: str) -> bool:
        """Remove a rule and its pending deliveries; returns False if there was no such rule."""
        with self._db.transaction() as cur:
            found = cur.execute("SELECT count(*) FROM alert_rules WHERE id = ?", [rule_id]).fetchone()
            if not found or not found[0]:
                return False
            cur.execute("DELETE FROM alert_deliveries WHERE rule_id = ? AND status = 'pending'", [rule_id])
            cur.execute("DELETE FROM alert_rules WHERE id = ?", [rule_id])
        return True

    def enqueue(self, deliveries: Sequence[AlertDelivery]) -> int:
        """Queue deliveries not queued before (same rule, event and transition); returns how many are new."""
        if not deliveries:
            return 0
        with self._db.transaction() as cur:
            before = _count(cur)
            cur.executemany(
                insert_sql("alert_deliveries", AlertDelivery) + " ON CONFLICT DO NOTHING",
                [values_of(d) for d in deliveries],
            )
            return _count(cur) - before

    def due_deliveries(self, now: int, limit: int = 100) -> list[AlertDelivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        with self._db.reading() as cur:
            rows = cur.execute(
                "SELECT * FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
                "ORDER BY created_at, event_id, transition LIMIT ?",
                [now, limit],
            ).fetchall()
        return [AlertDelivery(*row) for row in rows]

    def record_attempt(
        self, delivery: AlertDelivery, *, status: DeliveryStatus, next_attempt_at: int, error: str | None
    ) -> None:
        """Write the outcome of one attempt: sent, retry later (pending), or dead."""
        sent_at = int(time.time()) if status == "sent" else None
        with self._db.transaction() as cur:
            cur.execute(
                "UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
                "sent_at = ?, last_error = ? WHERE rule_id = ? AND event_id = ? AND transition = ?",
                [
                    status,
                    next_attempt_at,
                    sent_at,
                    error,
                    delivery.rule_id,
                    delivery.event_id,
                    delivery.transition,
                ],
            )

    def list_deliveries(
        self, status: str | None = None, event_id: str | None = None, limit: int = 100
    ) -> list[AlertDelivery]:
        """Deliveries, newest first, optionally of one status (``dead`` is the dead-letter list) or event."""
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        if event_id is not None:
            clauses.append("event_id = ?")
            params.append(event_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._db.reading() as cur:
            rows = cur.execute(
                f"SELECT * FROM alert_deliveries{where} ORDER BY created_at DESC LIMIT ?", [*params, limit]
            ).fetchall()
        return [AlertDelivery(*row) for row in rows]

    def claim(self, delivery: AlertDelivery, *, now: int, until: int) -> bool:
        """Take a due pending delivery for sending: its next attempt moves to ``until`` (a lease)."""
        with self._db.transaction() as cur:
            taken = cur.execute(
                f"UPDATE alert_deliveries SET next_attempt_at = ? WHERE {_KEY} "
                "AND status = 'pending' AND next_attempt_at <= ? RETURNING 1",
                [until, delivery.rule_id, delivery.event_id, delivery.transition, now],
            ).fetchall()
        return bool(taken)

    def requeue_dead(self, keys: Sequence[DeliveryKey], now: int) -> int:
        """Dead letters with these keys back to pending, due at ``now`` with no attempts counted."""
        requeued = 0
        with self._db.transaction() as cur:
            for key in dict.fromkeys(keys):
                requeued += len(
                    cur.execute(
                        "UPDATE alert_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ? "
                        f"WHERE {_KEY} AND status = 'dead' RETURNING 1",
                        [now, *key],
                    ).fetchall()
                )
        return requeued
