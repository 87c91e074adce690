"""E-mail alerts through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import socket
from dataclasses import replace
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from netvigil.alert import DeliveryPolicy, deliver_due, plan_alerts
from netvigil.model.alerts import AlertRule
from netvigil.store import open_store
from tests.serve import kzdata


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=email_policy.default))
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_one_mail_per_step_never_twice(tmp_path: Path) -> None:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        policy = DeliveryPolicy(smtp_host="127.0.0.1", smtp_port=port, smtp_from="alerts@obs.example")
        with open_store(tmp_path / "m.duckdb") as store:
            store.alerts.add_rule(AlertRule("m1", "desk", "email", "desk@news.example", scope="national"))
            national = kzdata.events()[0]
            plan_alerts(store.alerts, [replace(national, end=None)], policy, now=0)
            assert deliver_due(store.alerts, policy, now=0).sent == 2
            plan_alerts(store.alerts, [national], policy, now=10)
            plan_alerts(store.alerts, [national], policy, now=20)
            assert deliver_due(store.alerts, policy, now=20).sent == 1
            assert deliver_due(store.alerts, policy, now=30).sent == 0
    finally:
        controller.stop()
    subjects = [str(m["Subject"]).strip() for _, m in inbox.messages]
    assert subjects == [
        "[netvigil] Blackout in Kazakhstan (national) started: 3.0 % of ordinary",
        "[netvigil] Blackout in Kazakhstan (national) partially restored: 3.0 % of ordinary",
        "[netvigil] Blackout in Kazakhstan (national) ended: 3.0 % of ordinary",
    ]
    rcpt, first = inbox.messages[0]
    assert rcpt == ["desk@news.example"] and first["From"] == "alerts@obs.example"
    assert "Start:      2022-01-05T10:35:00Z" in first.get_content()


def test_smtp_down_is_retried(tmp_path: Path) -> None:
    policy = DeliveryPolicy(smtp_host="127.0.0.1", smtp_port=free_port(), max_attempts=2, timeout=2)
    with open_store(tmp_path / "m.duckdb") as store:
        store.alerts.add_rule(AlertRule("m1", "desk", "email", "desk@news.example"))
        plan_alerts(store.alerts, [kzdata.events()[1]], policy, now=0)
        assert deliver_due(store.alerts, policy, now=0).retried == 2
        assert deliver_due(store.alerts, policy, now=1000).dead == 2
