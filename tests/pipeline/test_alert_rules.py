"""One alert-rule validation for the command line and the API, and one JSON shape for rules."""

from __future__ import annotations

import pytest

from netvigil.model.errors import InputError
from netvigil.pipeline.alert_rules import (
    RULE_ADDED_FIELDS,
    RULE_FIELDS,
    RULE_FILTER_FIELDS,
    RuleRequest,
    new_rule,
    rule_json,
)

GOOD = RuleRequest(name="ops", channel="webhook", target="https://hooks.example/n")


def test_a_rule_is_parsed_and_a_webhook_gets_a_secret() -> None:
    request = RuleRequest(
        name="kz", channel="webhook", target="http://127.0.0.1:9/h", entity="service:whatsapp@country:KZ",
        scope="service", kind="service_blocking", max_level=50, since="1641340800",
    )  # fmt: skip
    rule = new_rule(request, now=1_641_400_000)
    assert rule.entity == "service:whatsapp@country:KZ" and rule.since == 1_641_340_800
    assert rule.secret is not None and len(rule.secret) >= 16 and len(rule.id) == 12
    assert new_rule(RuleRequest(name="d", channel="email", target="desk@news.example")).secret is None
    given = RuleRequest(name="s", channel="webhook", target="https://x", secret="s" * 16)
    assert new_rule(given).secret == "s" * 16


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target": "notaurl"}, "a webhook target must be an http:// or https:// URL"),
        ({"channel": "email", "target": "not an address"}, "an email target must be an e-mail address"),
        ({"channel": "pigeon"}, "channel must be one of webhook, email"),
        ({"scope": "planet"}, "scope must be one of national, regional, local, network, service"),
        ({"kind": "earthquake"}, "kind must be one of blackout, disruption, throttling, service_blocking"),
        ({"entity": "kazakhstan"}, "entity: 'kazakhstan' is not an entity"),
        ({"max_level": 150.0}, "max_level must be between 0 and 100"),
        ({"secret": "short"}, "secret must be 16 to 200 characters long"),
        ({"name": ""}, "name must be 1 to 100 characters long"),
        ({"since": "yesterday"}, "since: 'yesterday' is not a time; use ISO 8601 with Z, or Unix seconds"),
    ],
)
def test_bad_requests_are_input_errors(change: dict[str, object], message: str) -> None:
    fields = {**{name: getattr(GOOD, name) for name in GOOD.__slots__}, **change}
    with pytest.raises(InputError) as caught:
        new_rule(RuleRequest(**fields))
    assert str(caught.value).startswith(message)


def test_rule_json_renders_each_view_in_its_order() -> None:
    rule = new_rule(GOOD, now=1_641_340_800)
    assert list(rule_json(rule)) == list(RULE_FIELDS) and "secret" not in rule_json(rule)
    assert rule_json(rule)["created_at"] == "2022-01-05T00:00:00Z"
    assert rule_json(rule)["since"] == "2022-01-05T00:00:00Z"  # a new rule starts from its making
    assert list(rule_json(rule, RULE_FILTER_FIELDS))[-1] == "max_level"
    assert rule_json(rule, RULE_ADDED_FIELDS)["secret"] == rule.secret
