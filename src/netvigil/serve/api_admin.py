"""The admin part of the HTTP API: alert rules and their deliveries (a token with scope ``admin``).

Rules are made with :func:`netvigil.pipeline.alert_rules.new_rule`, the same validation
``netvigil alert add`` uses; this model only describes the body for OpenAPI and refuses unknown
fields.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from netvigil.model.errors import ApiError
from netvigil.model.events import EventKind, Scope, iso
from netvigil.pipeline.alert_rules import (
    ENTITY_LENGTH,
    LEVEL_RANGE,
    NAME_LENGTH,
    RULE_FIELDS,
    SECRET_LENGTH,
    TARGET_LENGTH,
    Channel,
    RuleRequest,
    new_rule,
    rule_json,
)
from netvigil.pipeline.alert_status import rule_statuses
from netvigil.serve.deps import AdminToken, StoreDep
from netvigil.serve.formats import FormatQuery, csv_response

router = APIRouter()


class AlertRuleIn(BaseModel):
    """A new alert rule; unset filters match everything."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=NAME_LENGTH[0], max_length=NAME_LENGTH[1])
    channel: Channel
    target: str = Field(
        min_length=TARGET_LENGTH[0], max_length=TARGET_LENGTH[1], description="https URL or e-mail address"
    )
    entity: str | None = Field(default=None, max_length=ENTITY_LENGTH)
    scope: Scope | None = None
    kind: EventKind | None = None
    max_level: float | None = Field(
        default=None, ge=LEVEL_RANGE[0], le=LEVEL_RANGE[1], description="Only events at or below this level"
    )
    secret: str | None = Field(default=None, min_length=SECRET_LENGTH[0], max_length=SECRET_LENGTH[1])
    since: str | None = Field(
        default=None, description="Ignore events that ended before this time (default: the rule's making)"
    )
    replay: bool = Field(default=False, description="Without since: also send events already over")


@router.post("/alerts/rules", status_code=201, summary="Add an alert rule (admin)")
def add_alert_rule(rule: AlertRuleIn, store: StoreDep, _: AdminToken) -> dict[str, Any]:
    """Store a rule; a webhook rule gets a signing secret (returned once) unless one is given."""
    stored = new_rule(RuleRequest(**rule.model_dump()))
    store.alerts.add_rule(stored)
    return rule_json(stored, (*RULE_FIELDS, "secret"))


@router.get("/alerts", summary="Alert rules and recent deliveries (admin)")
def list_alerts(
    store: StoreDep,
    _: AdminToken,
    status: Annotated[
        Literal["pending", "sent", "dead"] | None, Query(description="dead = dead letters")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: FormatQuery = "json",
) -> Any:
    """Rules, and deliveries (optionally one status: ``dead`` is the dead-letter list)."""
    found = store.alerts.list_deliveries(status=status, limit=limit)
    rows = [
        {
            "rule_id": d.rule_id,
            "event_id": d.event_id,
            "transition": d.transition,
            "status": d.status,
            "attempts": d.attempts,
            "sent_at": iso(d.sent_at),
            "last_error": d.last_error,
        }
        for d in found
    ]
    if format == "csv":
        header = list(rows[0]) if rows else ["rule_id", "event_id", "transition", "status"]
        return csv_response(header, ([r[h] for h in header] for r in rows), "deliveries")
    return {"rules": [rule_json(r) for r in store.alerts.list_rules()], "deliveries": rows}


@router.get("/alerts/status", summary="Each alert rule's deliveries and why they fail (admin)")
def alert_status(store: StoreDep, _: AdminToken) -> dict[str, Any]:
    """Per rule: sent, pending, retrying and dead messages, and the newest failure's reason."""
    return {"rules": [status.to_json() for status in rule_statuses(store.alerts)]}


@router.delete("/alerts/rules/{rule_id}", summary="Remove an alert rule (admin)")
def delete_alert_rule(rule_id: str, store: StoreDep, _: AdminToken) -> dict[str, Any]:
    """Remove a rule and its pending messages."""
    if not store.alerts.delete_rule(rule_id):
        raise ApiError(404, f"no alert rule {rule_id!r}")
    return {"deleted": rule_id}


