"""The store service: while ``serve`` (or ``watch``) holds a store, other processes use it through here.

DuckDB lets one process hold a file for writing and no other process open it meanwhile, so the
process that holds it answers everyone else's store calls (see docs/design/multiprocess.md). This
is a small threaded HTTP server on 127.0.0.1 and an ephemeral port, apart from the public app (its
middleware — body limit, rate limit, cache — is for the public), published in the endpoint file
beside the store (:mod:`netvigil.store.service`). One dispatcher serves every method of the
:class:`~netvigil.store.protocol.Store` protocol, whatever backend the store is:

- a request is ``POST /call`` with ``Authorization: Bearer <secret>`` and a body of frames: the
  call, then (for an argument that is an iterator, like ``ingest_signals``' chunks) its items one
  frame each, read as the store consumes them — an ingest through the service stays one
  transaction and holds one chunk at a time;
- a result that is an iterator (``read_series``) goes back item by item in a chunked answer;
- a transaction belongs to one connection: ``begin`` opens it in that connection's thread (a
  store's transaction is per thread), the calls on the connection run inside it, ``commit`` or
  ``rollback`` ends it — and a connection that closes with it open (the client was killed) rolls
  it back at once.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final, Self

from netvigil.model.errors import NetvigilError, StoreError
from netvigil.store import Store
from netvigil.store.backends import endpoint_path
from netvigil.store.service import (
    CALL_PATH,
    SESSION_HEADER,
    Endpoint,
    Frame,
    FrameReader,
    encode,
    encode_error,
    is_streamed,
    publish_endpoint,
    resolve,
    withdraw_endpoint,
)

LOOPBACK: Final = "127.0.0.1"


class _Server(ThreadingHTTPServer):
    """One thread per connection (so a connection's transaction lives in its thread)."""

    daemon_threads = True

    def __init__(self, store: Store, secret: str) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.store = store
        self.secret = secret
        self.on_change: Callable[[], None] = _nothing

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: a caller that went away mid-call has its transaction rolled back, nothing to print."""


class _Upload:
    """The streamed argument of a call: items read from the body as the store asks for them."""

    def __init__(self, frames: FrameReader) -> None:
        self._frames = frames
        self._done = False

    def __iter__(self) -> Iterator[Any]:
        while not self._done:
            tag, payload = self._frames.frame()
            if tag == "item":
                yield payload
                continue
            self._done = True
            if tag == "abort":
                raise StoreError(f"the caller stopped sending: {payload}; nothing was written")

    def drain(self) -> None:
        """Read what the store did not (it failed early) so the connection stays in step."""
        while not self._done:
            tag, _ = self._frames.frame()
            self._done = tag != "item"


class _Handler(BaseHTTPRequestHandler):
    """One connection: calls, the frames of their streamed arguments, and maybe one transaction."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self._session: tuple[str, AbstractContextManager[None]] | None = None

    def finish(self) -> None:
        self._end_session(commit=False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the service is internal; failures reach the caller as errors."""

    def do_POST(self) -> None:
        """Authenticate, then run the one call (or transaction step) the body holds."""
        expected = f"Bearer {self.server.secret}".encode()
        given = (self.headers.get("Authorization") or "").encode()
        if self.path != CALL_PATH or not hmac.compare_digest(given, expected):
            self.close_connection = True
            self._send(401 if self.path == CALL_PATH else 404, b"")
            return
        frames = FrameReader(self._body())
        try:
            self._answer(frames, frames.frame())
        except (EOFError, OSError, ValueError):
            self.close_connection = True

    def _answer(self, frames: FrameReader, frame: Frame) -> None:
        tag, payload = frame
        upload = _Upload(frames) if tag == "call" and payload[3] is not None else None
        result: Any = None
        failed: Exception | None = None
        try:
            result = self._run(tag, payload, upload)
        except Exception as exc:  # every failure goes back to the caller, typed
            failed = exc
        if upload is not None:
            upload.drain()
        if failed is None and self._session is None:
            self.server.on_change()
        if failed is not None:
            self._send(200, encode(("error", encode_error(failed))))
        elif is_streamed(result):
            self._stream(result)
        else:
            self._send(200, encode(("value", result)))

    def _run(self, tag: str, payload: Any, upload: _Upload | None) -> Any:
        if tag == "begin":
            return self._begin()
        if tag in ("commit", "rollback"):
            return self._finish_session(payload, commit=tag == "commit")
        if tag != "call":
            raise StoreError(f"the store service does not know {tag!r}")
        target, args, kwargs, slot = payload
        self._check_session()
        if slot is not None:
            args, kwargs = _with_upload(args, kwargs, slot, upload)
        return resolve(self.server.store, target)(*args, **kwargs)

    def _begin(self) -> str:
        if self._session is not None:
            raise StoreError("a transaction is already open on this connection")
        opened = self.server.store.transaction()
        opened.__enter__()
        self._session = (secrets.token_hex(8), opened)
        return self._session[0]

    def _check_session(self) -> None:
        wanted = self.headers.get(SESSION_HEADER)
        if wanted and (self._session is None or self._session[0] != wanted):
            raise StoreError(
                "the transaction was lost (its connection to the store service closed); "
                "nothing of it was written"
            )

    def _finish_session(self, session_id: str, *, commit: bool) -> None:
        if self._session is None or self._session[0] != session_id:
            raise StoreError("no such transaction on this connection; nothing of it was written")
        self._end_session(commit=commit)

    def _end_session(self, *, commit: bool) -> None:
        if self._session is None:
            return
        _, opened = self._session
        self._session = None
        if commit:
            opened.__exit__(None, None, None)
        else:
            abandoned = StoreError("the transaction was rolled back")
            opened.__exit__(StoreError, abandoned, None)

    def _body(self) -> Iterator[bytes]:
        """The request body as it arrives: chunked (a streamed upload) or of a given length."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                yield self.rfile.read(size)
                self.rfile.readline()
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, items: Iterator[Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self._chunk(encode(("items", None)))
            try:
                for item in items:
                    self._chunk(encode(("item", item)))
            except Exception as exc:
                self._chunk(encode(("error", encode_error(exc))))
            else:
                self._chunk(encode(("end", None)))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def _nothing() -> None:
    """No one to tell of a call."""


def _with_upload(
    args: tuple[Any, ...], kwargs: dict[str, Any], slot: int | str, upload: _Upload | None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The call's arguments with the streamed one (at position or name ``slot``) put back."""
    if isinstance(slot, str):
        return args, {**kwargs, slot: upload}
    return (*args[:slot], upload, *args[slot + 1 :]), kwargs


class StoreService:
    """The running service of one store: a loopback server in a thread and its endpoint."""

    def __init__(self, store: Store) -> None:
        self._server = _Server(store, secrets.token_urlsafe(32))
        port = self._server.server_address[1]
        self.endpoint = Endpoint(f"http://{LOOPBACK}:{port}", self._server.secret, os.getpid())
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="store-service",
            daemon=True,
        )

    def notify(self, on_change: Callable[[], None]) -> None:
        """Call ``on_change`` after every call (or transaction) that finished: the store may have changed."""
        self._server.on_change = on_change

    def start(self) -> None:
        """Answer calls from now on."""
        self._thread.start()

    def stop(self) -> None:
        """Stop answering (calls in flight finish or fail as the store closes)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def store_service(store: Store, db: str | Path | None) -> Iterator[StoreService | None]:
    """Serve ``store`` to other processes while the block runs; None for a store no file names.

    The service's endpoint is published beside the store only once the server answers, and withdrawn
    before it stops, so a caller that reads it finds a live service (or, after a crash, a dead
    pid, which it ignores).
    """
    path = endpoint_path(db)
    if path is None:
        yield None
        return
    service = StoreService(store)
    service.start()
    try:
        publish_endpoint(path, service.endpoint)
    except OSError as exc:
        service.stop()
        raise StoreError(f"cannot publish the store service at {path}: {exc.strerror}") from exc
    try:
        yield service
    finally:
        withdraw_endpoint(path, service.endpoint)
        service.stop()


class Freshener:
    """Keeps what ``serve`` shows up to date with what other processes write through the service.

    After calls through the service it rebuilds the roll-ups if the signals changed (the charts
    read them) and empties the response cache — in a thread of its own, at most every ``pause``
    seconds, so a caller never waits for it.
    """

    def __init__(self, store: Store, refresh: Callable[[Store], object], clear: Callable[[], None]) -> None:
        self._store = store
        self._refresh = refresh
        self._clear = clear
        self._changed = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="freshener", daemon=True)

    def changed(self) -> None:
        """Something may have changed: look soon."""
        self._changed.set()

    def _run(self, pause: float = 0.5) -> None:
        while self._changed.wait() and not self._stopping:
            self._changed.clear()
            try:
                self._refresh(self._store)
            except NetvigilError as exc:
                print(f"netvigil serve: could not refresh the roll-ups: {exc}", flush=True)
            self._clear()
            time.sleep(pause)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping = True
        self._changed.set()
        self._thread.join(timeout=30)
