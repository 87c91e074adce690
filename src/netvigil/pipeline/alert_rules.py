"""Alert rules made from what a user asked for: one validation and one JSON shape for CLI and API.

``netvigil alert add`` and ``POST /api/v1/alerts/rules`` both build their rule with
:func:`new_rule`, so they accept and refuse the same rules with the same message (an
:class:`InputError`: exit code 2 on the command line, 422 from the API). Both print rules with
:func:`rule_json`. Storing, listing and removing rules is the store's
(:class:`netvigil.store.protocol.AlertStore`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from netvigil.model.alerts import AlertRule
from netvigil.model.errors import InputError
from netvigil.model.events import EVENT_KINDS, SCOPES, iso, parse_moment
from netvigil.pipeline.event_query import canonical_entity, check_choice

Channel = Literal["webhook", "email"]
CHANNELS: Final[tuple[Channel, ...]] = ("webhook", "email")
"""The channels a rule may name; :data:`netvigil.alert.channels.CHANNELS` has a sender for each."""
NAME_LENGTH: Final = (1, 100)
TARGET_LENGTH: Final = (3, 500)
ENTITY_LENGTH: Final = 100
SECRET_LENGTH: Final = (16, 200)
LEVEL_RANGE: Final = (0, 100)

RULE_FIELDS: Final = (
    "id", "name", "channel", "target", "entity", "scope", "kind", "max_level", "since", "created_at",
)  # fmt: skip
"""A rule as the API lists it (never the secret)."""
RULE_FILTER_FIELDS: Final = RULE_FIELDS[:8]
"""A rule as ``netvigil alert list`` prints it: what it is and which events it picks."""
RULE_ADDED_FIELDS: Final = ("id", "name", "channel", "target", "secret")
"""A new rule as ``netvigil alert add`` prints it: with the webhook secret, shown once."""


@dataclass(frozen=True, slots=True)
class RuleRequest:
    """A rule as asked for, before validation: unset filters match every event."""

    name: str
    channel: str
    target: str
    entity: str | None = None
    scope: str | None = None
    kind: str | None = None
    max_level: float | None = None
    secret: str | None = None
    since: str | None = None
    replay: bool = False
    """Also send events that ended before the rule was made (without ``since``: all stored events)."""


def _webhook_target_problem(target: str) -> str | None:
    if target.startswith(("http://", "https://")):
        return None
    return "a webhook target must be an http:// or https:// URL"


def _email_target_problem(target: str) -> str | None:
    if "@" in target and " " not in target:
        return None
    return "an email target must be an e-mail address"


TARGET_CHECKS: Final[dict[str, Callable[[str], str | None]]] = {
    "webhook": _webhook_target_problem,
    "email": _email_target_problem,
}
"""Per channel: what is wrong with a target for it (None: nothing)."""


def _check_length(name: str, value: str, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= len(value) <= high:
        raise InputError(f"{name} must be {low} to {high} characters long")


def _entity(text: str | None) -> str | None:
    if text is None:
        return None
    if len(text) > ENTITY_LENGTH:
        raise InputError(f"entity must be at most {ENTITY_LENGTH} characters long")
    return canonical_entity(text)


def _check_request(request: RuleRequest) -> None:
    _check_length("name", request.name, NAME_LENGTH)
    check_choice("channel", request.channel, CHANNELS)
    _check_length("target", request.target, TARGET_LENGTH)
    problem = TARGET_CHECKS[request.channel](request.target)
    if problem:
        raise InputError(problem)
    check_choice("scope", request.scope, SCOPES)
    check_choice("kind", request.kind, EVENT_KINDS)
    low, high = LEVEL_RANGE
    if request.max_level is not None and not low <= request.max_level <= high:
        raise InputError(f"max_level must be between {low} and {high}")
    if request.secret is not None:
        _check_length("secret", request.secret, SECRET_LENGTH)


def _since(request: RuleRequest, now: int) -> int | None:
    """From when the rule takes events: as asked, else from its making (everything with ``replay``).

    A new rule does not flood its receiver with events that were over before it existed.
    """
    if request.since is not None:
        return parse_moment(request.since, "since")
    return None if request.replay else now


def new_rule(request: RuleRequest, now: int | None = None) -> AlertRule:
    """The rule, checked: a webhook rule gets a new signing secret unless one is given.

    Without ``since`` or ``replay`` it ignores events that ended before it was made.
    """
    _check_request(request)
    now = int(time.time()) if now is None else now
    secret = request.secret or (secrets.token_urlsafe(24) if request.channel == "webhook" else None)
    return AlertRule(
        id=secrets.token_hex(6),
        name=request.name,
        channel=request.channel,
        target=request.target,
        entity=_entity(request.entity),
        scope=request.scope,
        kind=request.kind,
        max_level=request.max_level,
        secret=secret,
        since=_since(request, now),
        created_at=now,
    )


def rule_json(rule: AlertRule, fields: Sequence[str] = RULE_FIELDS) -> dict[str, Any]:
    """A rule as JSON (times ISO 8601 UTC), with ``fields`` in that order; ``secret`` only if asked."""
    rendered: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "channel": rule.channel,
        "target": rule.target,
        "entity": rule.entity,
        "scope": rule.scope,
        "kind": rule.kind,
        "max_level": rule.max_level,
        "since": iso(rule.since),
        "created_at": iso(rule.created_at),
        "secret": rule.secret,
    }
    return {name: rendered[name] for name in fields}
