"""``netvigil reach`` input errors: file and line, what was expected, exit code 2, nothing run."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from netvigil.cli.main import app
from netvigil.probe.reachability.control import QuietHTTPServer

runner = CliRunner()


def test_bad_url_line_is_reported_with_file_and_line(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("# news\nhttps://tengrinews.kz/\nftp://example.org/\n")
    result = runner.invoke(app, ["reach", "run", "--tests", "web", "--urls", str(urls)])
    assert result.exit_code == 2
    assert f"{urls}:3:" in result.output and "expected an http:// or https:// URL" in result.output


def test_unknown_test_and_missing_urls(tmp_path: Path) -> None:
    result = runner.invoke(app, ["reach", "run", "--tests", "whatsapp,viber"])
    assert result.exit_code == 2 and "unknown test 'viber'" in result.output
    result = runner.invoke(app, ["reach", "run", "--tests", "web"])
    assert result.exit_code == 2 and "needs --urls" in result.output


def test_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "probe.json"
    config.write_text('{"resolver": "9.9.9.9",\n "resolvr": 1}')
    result = runner.invoke(app, ["reach", "run", "--config", str(config)])
    assert result.exit_code == 2 and "unknown setting(s) resolvr" in result.output
    config.write_text('{"resolver": \n')
    result = runner.invoke(app, ["reach", "run", "--config", str(config)])
    assert result.exit_code == 2 and f"{config}:2:" in result.output


def test_tests_lists_the_registry() -> None:
    result = runner.invoke(app, ["reach", "tests"])
    assert result.exit_code == 0
    assert result.output.split() == [
        "facebook_messenger",
        "signal",
        "telegram",
        "web_connectivity",
        "whatsapp",
    ]


def test_service_mode_runs_rounds_and_uploads_every_measurement(tmp_path: Path) -> None:
    received: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><head><title>Site</title></head><body>ok</body></html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            assert self.headers["Authorization"] == "Bearer s3cret"
            received.extend(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = QuietHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        urls = tmp_path / "urls.txt"
        urls.write_text(f"{base}/\n")
        config = tmp_path / "probe.json"
        config.write_text(json.dumps({"allowed_networks": ["127.0.0.0/8"], "timeout": 2, "probe_cc": "KZ"}))
        args = ["reach", "run", "--tests", "web", "--urls", str(urls), "--config", str(config)]
        args += ["--queue", str(tmp_path / "q"), "--upload", base, "--token", "s3cret"]
        result = runner.invoke(app, [*args, "--every", "0.2", "--runs", "3"])
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert len(received) == 3 and {m["probe_cc"] for m in received} == {"KZ"}
    assert not list((tmp_path / "q").glob("*.json"))
