"""A new rule leaves what was over before it alone (unless --replay); failures say why (status, API)."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from netvigil.alert import DeliveryPolicy, deliver_due, plan_alerts
from netvigil.cli.main import app
from netvigil.model.alerts import AlertRule
from netvigil.pipeline.alert_rules import RuleRequest, new_rule
from netvigil.pipeline.alert_status import rule_statuses
from netvigil.store import Store, open_store
from tests.alert.receiver import Receiver
from tests.serve import kzdata

runner = CliRunner()
LATER = 2_000_000_000
"""A moment after every KZ 2022 event ended (2033)."""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_new_rule_sends_nothing_of_what_was_over_before_it(store: Store, receiver: Receiver) -> None:
    ask = RuleRequest(name="kz", channel="webhook", target=receiver.url, entity="country:KZ")
    fresh = new_rule(ask, now=LATER)
    assert fresh.since == LATER
    store.alerts.add_rule(fresh)
    policy = DeliveryPolicy()
    assert plan_alerts(store.alerts, kzdata.events(), policy, now=LATER) == 0
    replaying = new_rule(replace(ask, name="kz history", replay=True), now=LATER)
    assert replaying.since is None
    store.alerts.add_rule(replaying)
    assert plan_alerts(store.alerts, kzdata.events(), policy, now=LATER) > 0


def test_unreachable_smtp_server_is_named_in_the_status(tmp_path: Path) -> None:
    port = closed_port()
    policy = DeliveryPolicy(smtp_host="127.0.0.1", smtp_port=port, max_attempts=3, timeout=2)
    with open_store(tmp_path / "m.duckdb") as store:
        store.alerts.add_rule(AlertRule("m1", "desk", "email", "desk@news.example"))
        plan_alerts(store.alerts, [kzdata.events()[1]], policy, now=0)
        deliver_due(store.alerts, policy, now=0)
        (status,) = rule_statuses(store.alerts)
    assert status.failing and status.retrying >= 1 and status.sent == 0
    assert status.last_error is not None
    assert status.last_error.startswith(f"SMTP server 127.0.0.1:{port} unreachable: ConnectionRefusedError")


def test_webhook_refusal_says_status_and_reason_and_cli_status_exits_1(
    tmp_path: Path, receiver: Receiver
) -> None:
    db = tmp_path / "w.duckdb"
    receiver.fail_next = 100
    policy = DeliveryPolicy(max_attempts=1)
    with open_store(db) as store:
        store.alerts.add_rule(AlertRule("w1", "ops", "webhook", receiver.url, secret="s" * 16))
        plan_alerts(store.alerts, [kzdata.events()[0]], policy, now=0)
        dead = deliver_due(store.alerts, policy, now=0).dead
    done = runner.invoke(app, ["alert", "status", "--db", str(db)])
    assert done.exit_code == 1
    status = json.loads(done.stdout.splitlines()[0])
    assert status["rule_id"] == "w1" and status["dead"] == dead > 0 and status["failing"] is True
    assert status["last_error"].startswith(
        f"webhook {receiver.url.split('/')[2]} answered HTTP 503 Service Unavailable (server error)"
    )
    assert "is failing" in done.stderr


def test_cli_add_defaults_to_now_and_replay_takes_everything(tmp_path: Path) -> None:
    db = str(tmp_path / "r.duckdb")
    base = ["alert", "add", "--channel", "email", "--target", "desk@news.example", "--db", db]
    assert runner.invoke(app, [*base, "from-now"]).exit_code == 0
    assert runner.invoke(app, [*base, "history", "--replay"]).exit_code == 0
    with open_store(db, read_only=True) as store:
        rules = {rule.name: rule for rule in store.alerts.list_rules()}
    assert rules["from-now"].since == rules["from-now"].created_at and rules["history"].since is None
    done = runner.invoke(app, ["alert", "status", "--db", db])
    assert done.exit_code == 0 and [json.loads(line)["sent"] for line in done.stdout.splitlines()] == [0, 0]
