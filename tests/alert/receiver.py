"""A real webhook receiver on loopback (a fixture): it records what it got, and can be told to
refuse its first N requests, or to hold one request unanswered until released (a slow receiver,
or one a sender dies while waiting on)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

HOLD_LIMIT = 60.0
"""The longest a held request waits for its release (a safety net: tests release it sooner)."""


@dataclass
class Receiver:
    """What the receiver got, how many requests it should still refuse, and which one to hold."""

    url: str
    fail_next: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    hold_at: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    released_in_time: bool | None = None
    expect: int = 0
    complete: threading.Event = field(default_factory=threading.Event)

    def ids(self) -> list[str]:
        """The delivery ids of what it got, in order of arrival (repeats included)."""
        return [r["headers"]["idempotency-key"] for r in self.requests]

    def record(self, headers: dict[str, str], body: bytes) -> int:
        """Keep one request; returns its index."""
        self.requests.append({"headers": headers, "body": body, "json": json.loads(body)})
        if self.expect and len(self.requests) >= self.expect:
            self.complete.set()
        return len(self.requests) - 1

    def hold(self) -> None:
        """Say a request is being held, and wait for the release."""
        self.holding.set()
        self.released_in_time = self.release.wait(HOLD_LIMIT)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A receiver on a free loopback port, for as long as the block runs."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            if state.fail_next > 0:
                state.fail_next -= 1
                state.refused += 1
                self.send_response(503)
                self.end_headers()
                return
            index = state.record({k.lower(): v for k, v in self.headers.items()}, body)
            if index == state.hold_at:
                state.hold()
            try:
                self.send_response(204)
                self.end_headers()
            except OSError:
                return  # the sender is gone (killed while this request was held)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as state:
        yield state
