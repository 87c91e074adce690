"""The service's commands: tokens, alert rules, and their input errors (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from netvigil.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_token_lifecycle(tmp_path: Path) -> None:
    db = str(tmp_path / "t.duckdb")
    code, out = run("token", "create", "probe", "--scope", "submit", "--db", db)
    assert code == 0 and out.strip().splitlines()[-1].startswith("nv_")
    code, out = run("token", "list", "--db", db)
    (listed,) = [json.loads(line) for line in out.splitlines()]
    assert listed["scopes"] == "submit" and not listed["revoked"] and "nv_" not in out
    assert run("token", "revoke", listed["id"], "--db", db)[0] == 0
    assert json.loads(run("token", "list", "--db", db)[1])["revoked"] is True
    assert run("token", "revoke", "nope", "--db", db)[0] == 2
    assert run("token", "create", "x", "--scope", "root", "--db", db)[0] == 2


def test_alert_rules_and_bad_input(tmp_path: Path) -> None:
    db = str(tmp_path / "a.duckdb")
    code, out = run(
        "alert",
        "add",
        "ops",
        "--channel",
        "webhook",
        "--target",
        "http://127.0.0.1:9/h",
        "--entity",
        "country:KZ",
        "--db",
        db,
    )
    assert code == 0 and len(json.loads(out)["secret"]) >= 16
    assert json.loads(run("alert", "list", "--db", db)[1])["entity"] == "country:KZ"
    good = {"--channel": "email", "--target": "a@b.example"}
    for flag, value in [
        ("--channel", "pigeon"),
        ("--scope", "planet"),
        ("--kind", "earthquake"),
        ("--entity", "kazakhstan"),
        ("--since", "yesterday"),
    ]:
        options = {**good, flag: value}
        code, out = run("alert", "add", "x", *[part for item in options.items() for part in item], "--db", db)
        assert code == 2, (flag, out)
    assert len(run("alert", "list", "--db", db)[1].splitlines()) == 1
    assert run("watch", "--inbox", str(tmp_path / "missing"), "--db", db, "--once")[0] == 2


def test_alert_add_refuses_a_webhook_target_that_is_not_a_url(tmp_path: Path) -> None:
    db = str(tmp_path / "u.duckdb")
    code, out = run("alert", "add", "x", "--channel", "webhook", "--target", "notaurl", "--db", db)
    assert code == 2
    assert "error: a webhook target must be an http:// or https:// URL" in out
    assert run("alert", "list", "--db", db)[1] == ""
