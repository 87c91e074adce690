"""The disk queue and uploader against a real loopback server that fails, then recovers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from netvigil.probe.reachability.control import QuietHTTPServer
from netvigil.probe.reachability.uploader import DiskQueue, UploadConfig, drain


class Observatory:
    """Answers 503 to the first ``failures`` POSTs, then stores what it gets by report_id."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: dict[str, int] = {}
        self.tokens: set[str] = set()


@pytest.fixture
def observatory() -> Iterator[tuple[Observatory, str]]:
    state = Observatory(failures=3)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            items = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.server_state.tokens.add(self.headers.get("Authorization", ""))
            if self.server_state.failures > 0:
                self.server_state.failures -= 1
                self.send_response(503)
                self.end_headers()
                return
            received = self.server_state.received
            for item in items:
                received[item["report_id"]] = received.get(item["report_id"], 0) + 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        server_state = state

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = QuietHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_queue_survives_failures_and_drains_each_once(
    tmp_path: Path, observatory: tuple[Observatory, str]
) -> None:
    state, url = observatory
    queue = DiskQueue(tmp_path / "q")
    for n in range(12):
        queue.put({"report_id": f"r{n}", "test_name": "signal"})
    assert len(DiskQueue(tmp_path / "q")) == 12  # durable: a new handle sees them
    waits: list[float] = []
    sent = drain(queue, UploadConfig(url, token="t0k", batch=5, backoff_min=0.01), sleep=waits.append)
    assert sent == 12 and len(queue) == 0
    assert state.received == {f"r{n}": 1 for n in range(12)}
    assert state.tokens == {"Bearer t0k"}
    assert len(waits) == 3 and waits[2] > waits[0]  # backoff grows


def test_unreachable_server_keeps_everything(tmp_path: Path) -> None:
    queue = DiskQueue(tmp_path / "q")
    queue.put({"report_id": "x"})
    sent = drain(queue, UploadConfig("http://127.0.0.1:9", backoff_min=0.01, timeout=0.5),
                 deadline=time.monotonic() + 0.5, sleep=lambda s: None)  # fmt: skip
    assert sent == 0 and len(queue) == 1
