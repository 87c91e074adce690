"""The store service's contract, shared by its server (``serve/store_service``) and client (``store/remote``).

While ``netvigil serve`` (or ``watch``) holds a store, it answers store calls from other processes
of the same user on a private loopback port. This module holds what both ends must agree on:

- the endpoint file beside the store (``<store>.serve.json``, mode 0600): the service's loopback
  URL, a random secret and the serving pid — published on start, withdrawn on a clean stop, and
  ignored when its pid is dead;
- the frames on the wire: each a pickled ``(tag, payload)`` behind an 8-byte length. Pickle is
  safe here only because every request carries the secret (compared in constant time before a
  byte of the body is read), the port is bound to 127.0.0.1, and the client reads an endpoint
  file only when it belongs to its own user and nobody else may write it;
- the names a caller may call: derived from :mod:`netvigil.store.protocol` (every method of the
  :class:`~netvigil.store.protocol.Store` and of each part it hangs off it), not listed by hand;
- errors: netvigil's own exceptions (and built-in ones) travel as their type and state, so a
  caller catches the same :class:`~netvigil.model.errors.StoreError` (or ``InputError``, …) it
  would get from the store in its own process.
"""

from __future__ import annotations

import builtins
import inspect
import json
import os
import pickle
import stat
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from netvigil.model import errors
from netvigil.model.errors import StoreError
from netvigil.store.protocol import Store

ENDPOINT_SUFFIX: Final = ".serve.json"
CALL_PATH: Final = "/call"
SESSION_HEADER: Final = "X-Netvigil-Session"
_LENGTH: Final = 8
_LIFECYCLE: Final = frozenset({"close", "transaction", "read_only"})

Frame = tuple[str, Any]
"""``(tag, payload)``. Requests: ``call``, ``item``, ``end``, ``abort``, ``begin``, ``commit``,
``rollback``. Answers: ``value``, ``items`` (then ``item``… ``end``), ``error``."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a running service answers store calls, the secret it wants, and the pid serving."""

    url: str
    secret: str
    pid: int


def publish_endpoint(path: Path, endpoint: Endpoint) -> None:
    """Write the endpoint file (mode 0600, replaced atomically) so other processes find the service."""
    partial = path.with_name(f".{path.name}.{endpoint.pid}")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(asdict(endpoint), out)
    os.replace(partial, path)


def withdraw_endpoint(path: Path, endpoint: Endpoint) -> None:
    """Remove the endpoint file if it is still this service's (a later serve may have replaced it)."""
    try:
        current = _read(path)
    except StoreError:
        return
    if current == endpoint:
        path.unlink(missing_ok=True)


def live_endpoint(path: Path) -> Endpoint | None:
    """The endpoint published at ``path`` if its process is alive; None when there is none or it is stale.

    Raises :class:`StoreError` when the file could be written by another user: its secret and URL
    would not be trustworthy.
    """
    endpoint = _read(path)
    if endpoint is None or not _alive(endpoint.pid):
        return None
    return endpoint


def _read(path: Path) -> Endpoint | None:
    try:
        info = path.stat()
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read the store service's endpoint {path}: {exc.strerror}") from exc
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StoreError(f"{path} belongs to another user or is readable by others; remove it")
    try:
        fields = json.loads(text)
        return Endpoint(str(fields["url"]), str(fields["secret"]), int(fields["pid"]))
    except (ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def encode(frame: Frame) -> bytes:
    """One frame: its length, then the pickled ``(tag, payload)``."""
    data = pickle.dumps(frame, protocol=5)
    return len(data).to_bytes(_LENGTH, "big") + data


class FrameReader:
    """Frames out of a stream of byte chunks (an HTTP body, as it arrives)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = bytearray()

    def frame(self) -> Frame:
        """The next frame; :class:`EOFError` if the stream ends before it is whole."""
        size = int.from_bytes(self._exactly(_LENGTH), "big")
        frame: Frame = pickle.loads(self._exactly(size))
        return frame

    def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                raise EOFError("the stream ended inside a frame")
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


def encode_error(exc: BaseException) -> tuple[str, str, tuple[Any, ...], dict[str, Any]]:
    """An exception as (module, class, args, state); a foreign one becomes a :class:`StoreError`."""
    kind = type(exc)
    if kind.__module__ not in (errors.__name__, builtins.__name__):
        exc = StoreError(f"store service: {kind.__name__}: {exc}")
        kind = StoreError
    state = dict(getattr(exc, "__dict__", {}))
    try:
        pickle.dumps((exc.args, state))
    except Exception:
        return (errors.__name__, StoreError.__name__, (f"store service: {kind.__name__}: {exc}",), {})
    return (kind.__module__, kind.__qualname__, exc.args, state)


def decode_error(encoded: tuple[str, str, tuple[Any, ...], dict[str, Any]]) -> BaseException:
    """The exception :func:`encode_error` described, of the same type (netvigil's or a built-in)."""
    module, name, args, state = encoded
    namespace = errors if module == errors.__name__ else builtins if module == builtins.__name__ else None
    kind = getattr(namespace, name, None)
    if not (isinstance(kind, type) and issubclass(kind, BaseException)):
        return StoreError(f"store service: {name}: {args}")
    exc = kind.__new__(kind)
    exc.args = args
    exc.__dict__.update(state)
    return exc


@cache
def callable_names() -> dict[str, frozenset[str]]:
    """What a caller may call: ``""`` → the store's own methods, ``part`` → that part's methods.

    Read from the protocols, so a method added to :mod:`netvigil.store.protocol` is served at once.
    """
    names = {"": _methods(Store) - _LIFECYCLE}
    for name, member in vars(Store).items():
        if isinstance(member, property) and member.fget is not None:
            part = typing.get_type_hints(member.fget).get("return")
            if isinstance(part, type) and getattr(part, "_is_protocol", False):
                names[name] = _methods(part)
    return names


def _methods(protocol: type) -> frozenset[str]:
    return frozenset(n for n, _ in inspect.getmembers(protocol, inspect.isfunction) if not n.startswith("_"))


def resolve(store: Store, target: str) -> Callable[..., Any]:
    """The bound method ``target`` names (``read_series``, ``alerts.add_rule``); StoreError if not served."""
    part, _, method = target.rpartition(".")
    if method not in callable_names().get(part, frozenset()):
        raise StoreError(f"the store service has no method {target!r}")
    owner: Any = getattr(store, part) if part else store
    function: Callable[..., Any] = getattr(owner, method)
    return function


def is_streamed(value: object) -> bool:
    """Whether an argument or a result crosses the wire item by item (an iterator: a generator, …)."""
    return isinstance(value, Iterator)
