"""Pure ASGI middleware: security headers, rate limits, request-size limits, and a read cache.

Written at the ASGI level (not as ``BaseHTTPMiddleware``) so a cached answer costs no routing,
no thread hop and no body buffering.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from netvigil.serve.errors import error_body

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def send_error(
    send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer with the one error shape straight from middleware."""
    body = json.dumps(error_body(status, message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Add the security headers to every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimit:
    """A token bucket per client address; ``per_minute == 0`` turns it off."""

    per_minute: int
    write_per_minute: int
    buckets: dict[tuple[str, bool], _Bucket] = field(default_factory=dict)

    def allow(self, client: str, write: bool, now: float) -> float:
        """0 if the request may go, else the seconds to wait."""
        rate = self.write_per_minute if write else self.per_minute
        if rate <= 0:
            return 0.0
        bucket = self.buckets.setdefault((client, write), _Bucket(float(rate), now))
        bucket.tokens = min(float(rate), bucket.tokens + (now - bucket.stamp) * rate / 60.0)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        if len(self.buckets) > 100_000:
            self.buckets.clear()
        return (1.0 - bucket.tokens) * 60.0 / rate


class RateLimiter:
    """Answer 429 (with Retry-After) to a client over its rate."""

    def __init__(self, app: ASGIApp, limit: RateLimit) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 429."""
        if scope["type"] == "http":
            client = (scope.get("client") or ("?", 0))[0]
            wait = self.limit.allow(client, scope["method"] in WRITE_METHODS, time.monotonic())
            if wait > 0:
                retry = [(b"retry-after", str(max(1, round(wait))).encode())]
                await send_error(send, 429, "too many requests; slow down", retry)
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Answer 413 to a body over ``max_bytes``: by its Content-Length, or while a chunked body streams in.

    A body without a Content-Length is read here first (at most ``max_bytes``) and handed on only
    if it fits, so the app never sees part of an oversize body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413."""
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        message = f"the request body is larger than {self.max_bytes} bytes"
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_bytes:
                await send_error(send, 413, message)
                return
            await self.app(scope, receive, send)
            return
        buffered: list[Message] = []
        seen = 0
        while True:
            received = await receive()
            buffered.append(received)
            seen += len(received.get("body", b""))
            if seen > self.max_bytes:
                await send_error(send, 413, message)
                return
            if received["type"] != "http.request" or not received.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)


@dataclass
class _Entry:
    expires: float
    start: Message
    body: bytes


class ResponseCache:
    """Successful GET answers kept for ``seconds`` (LRU, at most ``entries``); shared with the app."""

    def __init__(self, seconds: float, entries: int) -> None:
        self.seconds = seconds
        self.entries = entries
        self.items: OrderedDict[tuple[str, bytes], _Entry] = OrderedDict()
        self.refreshing: set[tuple[str, bytes]] = set()

    def clear(self) -> None:
        """Forget every cached answer (after a write, or after the watch loop changed data)."""
        self.items.clear()

    def get(self, key: tuple[str, bytes]) -> _Entry | None:
        """The entry for ``key``, fresh or stale (the caller checks ``expires``), or None."""
        hit = self.items.get(key)
        if hit is not None:
            self.items.move_to_end(key)
        return hit

    def put(self, key: tuple[str, bytes], entry: _Entry) -> None:
        """Keep an entry, dropping the least recently used beyond ``entries``."""
        self.items[key] = entry
        while len(self.items) > self.entries:
            self.items.popitem(last=False)


class ReadCache:
    """Answer repeated GETs under ``prefixes`` from a :class:`ResponseCache`; writes clear it.

    Stale-while-revalidate: for one more ``seconds`` after an answer expires it is still served
    at once while a single background request computes the fresh one, so a popular page never
    makes a reader wait for the database; older than that, the reader waits for a fresh answer.
    """

    def __init__(self, app: ASGIApp, cache: ResponseCache, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.cache = cache
        self.prefixes = prefixes
        self._tasks: set[asyncio.Task[None]] = set()

    def _cacheable(self, scope: Scope) -> bool:
        if self.cache.seconds <= 0 or scope["type"] != "http" or scope["method"] != "GET":
            return False
        headers = dict(scope.get("headers", []))
        return b"authorization" not in headers and str(scope["path"]).startswith(self.prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from the cache, or pass on and remember the answer."""
        if scope["type"] == "http" and scope["method"] in WRITE_METHODS:
            self.cache.clear()
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        key = (str(scope["path"]), bytes(scope.get("query_string", b"")))
        now = time.monotonic()
        hit = self.cache.get(key)
        if hit is None or hit.expires + self.cache.seconds <= now:
            await self._fill(key, now, scope, receive, send)
            return
        if hit.expires <= now and key not in self.cache.refreshing:
            self.cache.refreshing.add(key)
            task = asyncio.create_task(self._refresh(key, now, dict(scope)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await send(hit.start)
        await send({"type": "http.response.body", "body": hit.body})

    async def _refresh(self, key: tuple[str, bytes], now: float, scope: Scope) -> None:
        async def no_body() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def discard(_: Message) -> None:
            return

        try:
            await self._fill(key, now, scope, no_body, discard)
        finally:
            self.cache.refreshing.discard(key)

    async def _fill(
        self, key: tuple[str, bytes], now: float, scope: Scope, receive: Receive, send: Send
    ) -> None:
        parts: dict[str, Any] = {"start": None, "body": []}

        async def recorded(message: Message) -> None:
            if message["type"] == "http.response.start":
                seconds = int(self.cache.seconds)
                age = f"public, max-age={seconds}, stale-while-revalidate={seconds}".encode()
                message["headers"] = [*message.get("headers", []), (b"cache-control", age)]
                parts["start"] = message
            elif message["type"] == "http.response.body":
                parts["body"].append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, recorded)
        start = parts["start"]
        if start is not None and start["status"] == 200:
            self.cache.put(key, _Entry(now + self.cache.seconds, start, b"".join(parts["body"])))
