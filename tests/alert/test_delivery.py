"""Delivery across a kill -9, in parallel per receiver, and dead letters sent again — real processes.

A sender killed while a receiver holds its request cannot know whether the message arrived: the
message is claimed in the store (a lease), nobody sends it while the lease holds, and afterwards it
is sent again with the same delivery id, the one receivers de-duplicate on (docs/alerts.md).
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from netvigil.alert import TRANSITIONS, DeliveryPolicy, deliver_due, plan_alerts
from netvigil.cli.main import app
from netvigil.model.alerts import AlertRule, parse_delivery_id
from netvigil.model.errors import InputError
from netvigil.store import open_store
from tests.alert.receiver import HOLD_LIMIT, Receiver, running_receiver
from tests.alert.test_email import free_port
from tests.serve import kzdata

WAIT = 120.0
"""The longest a test waits for a real process to get somewhere (a safety net, not a measure)."""


def netvigil(*args: str, db: Path) -> subprocess.Popen[str]:
    """One command in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "netvigil.cli", *args, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(*args: str, db: Path) -> tuple[int, str, str]:
    """Run one command to its end: (exit code, stdout, stderr)."""
    proc = netvigil(*args, db=db)
    out, err = proc.communicate(timeout=WAIT)
    return proc.returncode, out, err


def kill_when(held: threading.Event, proc: subprocess.Popen[str]) -> None:
    """kill -9 the sender once the receiver holds its request (mid-delivery)."""
    try:
        assert held.wait(WAIT), "the sender never reached the receiver"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=WAIT)
    assert proc.returncode == -signal.SIGKILL


def webhook_rule(rule_id: str, url: str, **filters: Any) -> AlertRule:
    return AlertRule(rule_id, rule_id, "webhook", url, secret="s" * 20, created_at=1, **filters)


def test_a_sender_killed_mid_delivery_resends_only_that_message_with_the_same_id(
    tmp_path: Path, receiver: Receiver
) -> None:
    db = tmp_path / "a.duckdb"
    now = int(time.time())
    with open_store(db) as store:
        store.alerts.add_rule(webhook_rule("r1", receiver.url, entity="country:KZ", max_level=50.0))
        assert plan_alerts(store.alerts, kzdata.events(), DeliveryPolicy(), now=now) == 7
    receiver.hold_at = 2
    kill_when(receiver.holding, netvigil("alert", "send", db=db))
    receiver.release.set()
    first, second, in_flight = receiver.ids()
    lease = DeliveryPolicy().lease_seconds
    with open_store(db) as store:
        ledger = {d.id: d for d in store.alerts.list_deliveries(limit=100)}
    assert ledger[first].status == ledger[second].status == "sent"
    assert ledger[in_flight].status == "pending" and ledger[in_flight].next_attempt_at >= now + lease

    code, out, _ = finished("alert", "send", db=db)  # restarted at once: the lease holds
    assert code == 0 and "0 sent" in out and len(receiver.requests) == 3

    with open_store(db) as store:  # after the lease
        report = deliver_due(store.alerts, DeliveryPolicy(), now=ledger[in_flight].next_attempt_at)
        assert report.sent == 5 and {d.status for d in store.alerts.list_deliveries(limit=100)} == {"sent"}
    ids = receiver.ids()
    assert ids[:4] == [first, second, in_flight, in_flight] and len(ids) == 8
    assert list(dict.fromkeys(ids)) == sorted(set(ids), key=ids.index) and len(set(ids)) == 7
    tries = [r for r in receiver.requests if r["headers"]["idempotency-key"] == in_flight]
    assert tries[0]["body"] == tries[1]["body"]
    assert {r["headers"]["x-netvigil-delivery"] for r in tries} == {in_flight}


class HoldingInbox:
    """An SMTP handler that keeps every message, and holds one unanswered until released."""

    def __init__(self, hold_at: int) -> None:
        self.messages: list[Any] = []
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy.default))
        if len(self.messages) - 1 == self.hold_at:
            self.holding.set()
            deadline = time.monotonic() + HOLD_LIMIT
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        return "250 OK"


def test_an_email_sender_killed_mid_delivery_resends_with_the_same_message_id(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    inbox = HoldingInbox(hold_at=1)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    policy = DeliveryPolicy(smtp_host="127.0.0.1", smtp_port=port, smtp_from="alerts@obs.example")
    settings = ["-s", "smtp_host=127.0.0.1", "-s", f"smtp_port={port}", "-s", "smtp_from=alerts@obs.example"]
    now = int(time.time())
    try:
        with open_store(db) as store:
            store.alerts.add_rule(AlertRule("m1", "desk", "email", "desk@news.example", scope="national"))
            assert plan_alerts(store.alerts, [kzdata.events()[0]], policy, now=now) == 3
        kill_when(inbox.holding, netvigil("alert", "send", *settings, db=db))
        inbox.release.set()
        with open_store(db) as store:
            held = max(store.alerts.list_deliveries(status="pending"), key=lambda d: d.next_attempt_at)
            assert held.next_attempt_at >= now + policy.lease_seconds
            assert deliver_due(store.alerts, policy, now=held.next_attempt_at).sent == 2
    finally:
        controller.stop()
    message_ids = [str(m["Message-ID"]) for m in inbox.messages]
    assert len(message_ids) == 4 and message_ids[1] == message_ids[2] and len(set(message_ids)) == 3
    assert message_ids[1] == "<m1.kz-2022-blackout.partially_restored@netvigil>"
    assert [str(m["X-Netvigil-Delivery"]) for m in inbox.messages[1:3]] == [
        "m1:kz-2022-blackout:partially_restored"
    ] * 2


def test_a_slow_receiver_holds_up_no_one_else_and_each_keeps_its_order(tmp_path: Path) -> None:
    with running_receiver() as slow, running_receiver() as fast, open_store(tmp_path / "p.duckdb") as store:
        store.alerts.add_rule(webhook_rule("slow", slow.url, scope="national"))
        store.alerts.add_rule(webhook_rule("fast", fast.url, entity="country:KZ", max_level=50.0))
        plan_alerts(store.alerts, kzdata.events(), DeliveryPolicy(), now=1000)
        slow.hold_at, fast.expect, slow.release = 0, 7, fast.complete  # slow answers once fast has all
        report = deliver_due(store.alerts, DeliveryPolicy(workers=2), now=1000)
    assert slow.released_in_time is True, "the fast receiver waited for the slow one"
    assert report.sent == 10
    assert [i.split(":")[2] for i in slow.ids()] == ["started", "partially_restored", "ended"]
    steps = [tuple(i.split(":")[1:]) for i in fast.ids()]
    assert steps == sorted(steps, key=lambda s: (s[0], TRANSITIONS.index(s[1])))  # type: ignore[arg-type]


def resend(*args: str, db: Path) -> tuple[int, str, str]:
    """``netvigil alert resend`` run in this process (the real-process run is the bad-id one)."""
    result = CliRunner().invoke(app, ["alert", "resend", *args, "--db", str(db)])
    return result.exit_code, result.stdout, result.stderr


def test_dead_letters_are_listed_and_resent_by_id_or_all(tmp_path: Path, receiver: Receiver) -> None:
    db = tmp_path / "d.duckdb"
    with open_store(db) as store:
        store.alerts.add_rule(webhook_rule("r1", receiver.url, scope="national"))
        plan_alerts(store.alerts, [kzdata.events()[0]], DeliveryPolicy(), now=0)
        receiver.fail_next = 100
        assert deliver_due(store.alerts, DeliveryPolicy(max_attempts=1), now=0).dead == 3
    receiver.fail_next = 0

    code, out, _ = resend(db=db)
    dead = [json.loads(line) for line in out.splitlines()]
    ids = sorted(d["id"] for d in dead)
    assert code == 0 and len(ids) == 3 and {d["status"] for d in dead} == {"dead"}

    code, out, err = finished("alert", "resend", "r1:kz-2022-blackout:nope", db=db)
    assert (code, out, err.count("\n")) == (2, "", 1) and "no dead letter 'r1:kz-2022-blackout:nope'" in err
    for bad, says in (
        (["nocolon"], "'nocolon' is not a delivery id"),
        ([ids[0], "--all"], "give delivery ids or --all, not both"),
    ):
        code, out, err = resend(*bad, db=db)
        assert code == 2 and says in err and len(err.strip().splitlines()) == 1
    assert receiver.requests == []

    code, out, _ = resend(ids[0], db=db)
    assert code == 0 and "1 requeued; 1 sent" in out and receiver.ids() == [ids[0]]
    code, out, _ = resend("--all", db=db)
    assert code == 0 and "2 requeued; 2 sent" in out and sorted(receiver.ids()) == ids
    assert resend(db=db)[:2] == (0, "")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=60))
def test_a_delivery_id_is_three_parts_or_a_clear_input_error(text: str) -> None:
    try:
        rule, event, step = parse_delivery_id(text)
    except InputError as exc:
        assert "is not a delivery id" in str(exc)
    else:
        assert f"{rule}:{event}:{step}" == text and rule and event and step and ":" not in rule + step
