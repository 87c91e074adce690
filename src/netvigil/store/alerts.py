"""Alert rules and the delivery ledger, which is also the outbox.

One row per (rule, event, transition) — its primary key — so a lifecycle step is queued at most
once, ever: that row is the memory of what was sent. A row starts ``pending``, becomes ``sent``,
or after the last failed retry ``dead`` (the dead-letter list). Queued work survives restarts
because it lives here, not in memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from netvigil.store.schema import columns_of, create_table_sql

if TYPE_CHECKING:
    from netvigil.store.duckdb_store import DuckDBStore

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
    status: str
    attempts: int
    next_attempt_at: int
    created_at: int
    sent_at: int | None = None
    last_error: str | None = None


_RULE_COLUMNS = [c.name for c in columns_of(AlertRule)]
_DELIVERY_COLUMNS = [c.name for c in columns_of(AlertDelivery)]


def alert_tables() -> list[str]:
    """The ``alert_rules`` and ``alert_deliveries`` tables (migration 5)."""
    return [
        create_table_sql("alert_rules", AlertRule, primary_key=("id",)),
        create_table_sql(
            "alert_deliveries", AlertDelivery, primary_key=("rule_id", "event_id", "transition")
        ),
        "CREATE INDEX IF NOT EXISTS alert_deliveries_status ON alert_deliveries (status)",
    ]


def add_rule(store: DuckDBStore, rule: AlertRule) -> AlertRule:
    """Store a rule (its id must be new)."""
    values = [getattr(rule, name) for name in _RULE_COLUMNS]
    marks = ", ".join("?" for _ in values)
    store.cursor().execute(f"INSERT INTO alert_rules VALUES ({marks})", values)
    return rule


def list_rules(store: DuckDBStore) -> list[AlertRule]:
    """Every rule, oldest first."""
    rows = store.cursor().execute("SELECT * FROM alert_rules ORDER BY created_at, id").fetchall()
    return [AlertRule(*row) for row in rows]


def delete_rule(store: DuckDBStore, rule_id: str) -> bool:
    """Remove a rule and its pending deliveries; returns False if there was no such rule."""
    cur = store.cursor()
    found = cur.execute("SELECT count(*) FROM alert_rules WHERE id = ?", [rule_id]).fetchone()
    if not found or not found[0]:
        return False
    cur.execute("DELETE FROM alert_deliveries WHERE rule_id = ? AND status = 'pending'", [rule_id])
    cur.execute("DELETE FROM alert_rules WHERE id = ?", [rule_id])
    return True


def enqueue(store: DuckDBStore, deliveries: list[AlertDelivery]) -> int:
    """Queue deliveries not queued before (same rule, event and transition); returns how many are new."""
    if not deliveries:
        return 0
    cur = store.cursor()
    before = _count(store)
    marks = ", ".join("?" for _ in _DELIVERY_COLUMNS)
    cur.executemany(
        f"INSERT INTO alert_deliveries VALUES ({marks}) ON CONFLICT DO NOTHING",
        [[getattr(d, name) for name in _DELIVERY_COLUMNS] for d in deliveries],
    )
    return _count(store) - before


def _count(store: DuckDBStore) -> int:
    row = store.cursor().execute("SELECT count(*) FROM alert_deliveries").fetchone()
    return int(row[0]) if row else 0


def due_deliveries(store: DuckDBStore, now: int, limit: int = 100) -> list[AlertDelivery]:
    """Pending deliveries whose next attempt is due, oldest first."""
    rows = (
        store.cursor()
        .execute(
            "SELECT * FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
            "ORDER BY created_at, event_id, transition LIMIT ?",
            [now, limit],
        )
        .fetchall()
    )
    return [AlertDelivery(*row) for row in rows]


def record_attempt(
    store: DuckDBStore,
    delivery: AlertDelivery,
    *,
    status: DeliveryStatus,
    next_attempt_at: int,
    error: str | None,
) -> None:
    """Write the outcome of one attempt: sent, retry later (pending), or dead."""
    sent_at = int(time.time()) if status == "sent" else None
    store.cursor().execute(
        "UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
        "sent_at = ?, last_error = ? WHERE rule_id = ? AND event_id = ? AND transition = ?",
        [status, next_attempt_at, sent_at, error, delivery.rule_id, delivery.event_id, delivery.transition],
    )


def list_deliveries(
    store: DuckDBStore, status: str | None = None, event_id: str | None = None, limit: int = 100
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
    rows = (
        store.cursor()
        .execute(f"SELECT * FROM alert_deliveries{where} ORDER BY created_at DESC LIMIT ?", [*params, limit])
        .fetchall()
    )
    return [AlertDelivery(*row) for row in rows]
