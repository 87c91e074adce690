"""A real HTTP server on loopback for replays of outside services, with faults switched on per path.

A replay of a public API (IODA, OONI, Radar, Atlas, an MRT archive) is a Starlette app that answers
in that service's own format; :class:`ServiceHarness` runs it under uvicorn in a background thread
on ``127.0.0.1`` (a free port), gives its base URL, logs every request (path, query, headers) so
tests can check conditional requests, paging and that nothing is fetched twice, and lets a test
break any path on purpose through :attr:`ServiceHarness.faults`:

- ``status``: answer an error status, optionally with ``Retry-After`` (e.g. 429 × N, 500, 503);
- ``drop``: send the headers and part of the body, then close the connection;
- ``truncate``: a complete HTTP answer whose body is cut short (JSON that ends mid-way);
- ``malformed``: a complete HTTP answer whose body is not what the service would send;
- ``slow``: wait before answering (for timeouts).

A per-service replay is one small module (``sim/services_<name>.py``): a function building its
Starlette app from the timeline, using :func:`json_answer` for validators and :func:`ranged_answer`
for files served with ``Range``.

    with ServiceHarness(app).running() as service:
        path = "/v2/signals/raw/country/KZ"
        service.faults.add(path, Fault("status", status=429, retry_after="1", times=2))
        ...  # NETVIGIL_IODA_URL=service.base_url, then fetch
        assert len(service.hits(path)) == 3
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final, Literal

import orjson
import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FaultKind = Literal["status", "drop", "truncate", "malformed", "slow"]
MALFORMED_BODY: Final = b"<html><body>502 Bad Gateway</body></html>"
_START_TIMEOUT: Final = 10.0


@dataclass
class Fault:
    """One way to break a path, for its next ``times`` requests.

    ``status`` and ``retry_after`` are for ``status``; ``after_bytes`` is how much of the body
    ``drop`` sends first (default: half); ``seconds`` is how long ``slow`` waits.
    """

    kind: FaultKind
    times: int = 1
    status: int = 500
    retry_after: str | None = None
    after_bytes: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request the server received: method, path, raw query string, and headers (lower-cased names)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]


@dataclass
class Faults:
    """The faults waiting per path; a path ending in ``*`` matches every path it starts."""

    planned: dict[str, list[Fault]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, fault: Fault) -> None:
        """Break ``path`` with ``fault`` (after the faults already planned for it)."""
        with self._lock:
            self.planned.setdefault(path, []).append(fault)

    def clear(self) -> None:
        """Forget every planned fault."""
        with self._lock:
            self.planned.clear()

    def take(self, path: str) -> Fault | None:
        """The fault to apply to this request of ``path``, counting it; None when there is none."""
        with self._lock:
            for key, faults in self.planned.items():
                if faults and (key == path or (key.endswith("*") and path.startswith(key[:-1]))):
                    fault = faults[0]
                    fault.times -= 1
                    if fault.times <= 0:
                        faults.pop(0)
                    return fault
        return None


class ServiceHarness:
    """Runs an ASGI app on loopback in a background thread, with a request log and fault injection."""

    def __init__(self, app: ASGIApp) -> None:
        self.faults = Faults()
        self.requests: list[LoggedRequest] = []
        self._app = app
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def hits(self, path: str) -> list[LoggedRequest]:
        """The requests received for ``path``, in order."""
        return [r for r in self.requests if r.path == path]

    def start(self) -> ServiceHarness:
        """Start serving on a free port of 127.0.0.1 and wait until it accepts connections."""
        config = uvicorn.Config(
            self._asgi,
            host="127.0.0.1",
            port=0,
            interface="asgi3",
            lifespan="off",
            log_level="critical",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="service-harness", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the loopback service did not start")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(_START_TIMEOUT)
        self._server = self._thread = None

    @contextmanager
    def running(self) -> Iterator[ServiceHarness]:
        """``start()`` … ``stop()`` as a context manager."""
        self.start()
        try:
            yield self
        finally:
            self.stop()

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Log the request, then answer it through the app, or through the fault planned for its path."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        self.requests.append(LoggedRequest(scope["method"], path, scope["query_string"].decode(), headers))
        fault = self.faults.take(path)
        if fault is None:
            await self._app(scope, receive, send)
        elif fault.kind == "status":
            await _status(fault, send)
        elif fault.kind == "slow":
            await asyncio.sleep(fault.seconds)
            await self._app(scope, receive, send)
        else:
            start, body = await _answer_of(self._app, scope, receive)
            await _broken(fault, start, body, send)


async def _status(fault: Fault, send: Send) -> None:
    """An error answer with a small JSON body and, if asked, ``Retry-After``."""
    body = orjson.dumps({"error": f"injected {fault.status}"})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.retry_after is not None:
        headers.append((b"retry-after", fault.retry_after.encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _answer_of(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """Run the app to completion and keep its answer (start message and whole body)."""
    start: Message = {}
    parts: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start, b"".join(parts)


async def _broken(fault: Fault, start: Message, body: bytes, send: Send) -> None:
    """Send the app's answer broken as ``fault`` says."""
    if fault.kind == "drop":
        cut = len(body) // 2 if fault.after_bytes is None else min(fault.after_bytes, len(body))
        await send(start)
        await send({"type": "http.response.body", "body": body[:cut], "more_body": True})
        raise ConnectionAbortedError("injected: connection dropped mid-body")  # uvicorn closes the socket
    sent = body[: len(body) // 2] if fault.kind == "truncate" else MALFORMED_BODY
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(sent)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": sent})


def json_answer(
    request: Request, payload: object, *, etag: str | None = None, last_modified: str | None = None
) -> Response:
    """``payload`` as JSON with validators; 304 when ``If-None-Match`` or ``If-Modified-Since`` match."""
    headers = {}
    if etag is not None:
        headers["ETag"] = etag
    if last_modified is not None:
        headers["Last-Modified"] = last_modified
    etag_matches = etag is not None and request.headers.get("if-none-match") == etag
    date_matches = last_modified is not None and request.headers.get("if-modified-since") == last_modified
    if etag_matches or date_matches:
        return Response(status_code=304, headers=headers)
    return Response(orjson.dumps(payload), media_type="application/json", headers=headers)


def ranged_answer(request: Request, data: bytes, media_type: str = "application/octet-stream") -> Response:
    """``data`` honouring ``Range: bytes=START-[END]`` (206, or 416 past the end), as file servers do."""
    headers = {"Accept-Ranges": "bytes"}
    wanted = request.headers.get("range", "")
    if not wanted.startswith("bytes="):
        return Response(data, media_type=media_type, headers=headers)
    first, _, last = wanted.removeprefix("bytes=").partition("-")
    start = int(first or 0)
    end = min(int(last), len(data) - 1) if last else len(data) - 1
    if start >= len(data):
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{len(data)}"})
    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
    return Response(data[start : end + 1], status_code=206, media_type=media_type, headers=headers)
