"""RIPE RIS Live: ``ris_message`` JSON from a .jsonl file or from the live websocket.

A message (``{"type": "ris_message", "data": {...}}``, or the bare ``data`` object in files) is an
UPDATE with ``timestamp``, ``peer``, ``peer_asn``, ``host``, ``path`` (ASNs; a nested list is an
AS_SET), ``announcements`` (``next_hop`` + ``prefixes``) and ``withdrawals``, or a
``RIS_PEER_STATE`` with ``state`` (``connected`` / ``down``). :func:`route_changes` turns one into
items of the route stream (:mod:`netvigil.model.routes`), the same the MRT decoder gives. The live
client subscribes with filters (host, prefix, peer, …), reconnects with exponential backoff when
the connection drops, and subscribes again. Its address is a setting (contract 3.7), read in one
place, :func:`ris_live_url`: ``$NETVIGIL_RIS_LIVE_URL``, else :data:`RIS_LIVE_URL`.
"""

from __future__ import annotations

import ipaddress
import json
import os
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from netvigil.model.errors import InputError
from netvigil.model.routes import (
    ESTABLISHED,
    IDLE,
    OPEN_CONFIRM,
    PeerState,
    Route,
    peer_key,
    update_routes,
)
from netvigil.sources.mrt import Damage, ParseReport
from netvigil.sources.textfile import open_binary

RIS_LIVE_URL: Final = "wss://ris-live.ripe.net/v1/ws/?client=netvigil"
RIS_LIVE_URL_ENV: Final = "NETVIGIL_RIS_LIVE_URL"
# RIS_PEER_STATE as an RFC 4271 transition: a session comes up only from OpenConfirm, and one
# that drops goes back to Idle.
_STATES: Final = {"connected": (OPEN_CONFIRM, ESTABLISHED), "down": (ESTABLISHED, IDLE)}


def _origin(path: list[Any]) -> int | None:
    """The originating AS: the last hop of the path, unless it is an AS_SET."""
    if path and isinstance(path[-1], int | str) and str(path[-1]).isdigit():
        return int(path[-1])
    return None


_BAD_SHAPE: Final = (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError)
"""What reading a message of the wrong shape raises (json's own errors are ValueErrors)."""
_MAX_ASN: Final = 0xFFFF_FFFF
_MAX_TIME: Final = 0xFFFF_FFFF  # MRT's 32-bit seconds; later is not a RIS timestamp


def _timestamp(value: object) -> int:
    """A message's time in whole seconds; NaN, infinities and times out of range are refused."""
    if isinstance(value, bool):
        raise TypeError("timestamp is a boolean")
    seconds = float(value)  # type: ignore[arg-type]  # strings and numbers; the rest raise TypeError
    if not 0 <= seconds <= _MAX_TIME:  # False for NaN too
        raise ValueError(f"timestamp {value!r} is not a time")
    return int(seconds)


def _asn(value: object) -> int:
    """A peer AS number (digits or an integer, 0 to 2^32-1)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"peer_asn {value!r} is not an AS number")
    asn = int(value)
    if not 0 <= asn <= _MAX_ASN:
        raise ValueError(f"peer_asn {value!r} is not an AS number")
    return asn


def _address(value: object) -> str:
    """A peer address as given, once it is known to be an IPv4 or IPv6 address."""
    if not isinstance(value, str):
        raise TypeError(f"peer {value!r} is not an address")
    ipaddress.ip_address(value)
    return value


def _prefix(value: object) -> str:
    """A prefix as given, once it is known to be one (``address/length``; host bits may be set)."""
    if not isinstance(value, str) or "/" not in value:
        raise ValueError(f"{value!r} is not a prefix")
    ipaddress.ip_network(value, strict=False)
    return value


def _list(value: object, what: str) -> list[Any]:
    """A field that must be a JSON array."""
    if not isinstance(value, list):
        raise TypeError(f"{what} is not a list")
    return value


def _data(message: object) -> dict[str, Any] | None:
    """The ``data`` of a ris_message envelope, a bare ``data`` object, or None for other messages.

    ``ris_error``, ``ris_subscribe_ok``, ``pong`` and the like carry no routes (libbgpstream gives
    no element for them either).
    """
    if not isinstance(message, dict):
        raise TypeError("not a JSON object")
    kind = message.get("type")
    data = message.get("data") if kind == "ris_message" else message
    if isinstance(kind, str) and kind != "ris_message" and (kind.startswith("ris_") or kind == "pong"):
        return None
    if not isinstance(data, dict):
        raise TypeError("data is not a JSON object")
    return data


def route_changes(message: object) -> list[Route]:
    """The routes of one RIS Live message (envelope or bare ``data``); other messages give none.

    An UPDATE gives a ``Withdraw`` and an ``Announce`` (each only when it has prefixes), as an
    MRT UPDATE does; a peer state change a ``PeerState``; OPEN, NOTIFICATION, KEEPALIVE and
    ``ris_error`` give none. Raises ValueError, KeyError, TypeError (or another of ``_BAD_SHAPE``)
    when a field has the wrong shape: a time that is NaN, infinite or out of range, a peer that is
    not an address, a prefix that is not a prefix.
    """
    data = _data(message)
    if data is None:
        return []
    kind = data.get("type")
    time = _timestamp(data["timestamp"])
    peer = peer_key(_address(data["peer"]), _asn(data["peer_asn"]))
    if kind == "RIS_PEER_STATE":
        states = _STATES.get(str(data.get("state")))
        return [] if states is None else [PeerState(time, peer, *states)]
    if kind != "UPDATE":
        return []
    withdrawn = [_prefix(prefix) for prefix in _list(data.get("withdrawals", []), "withdrawals")]
    announced = [
        _prefix(p)
        for announcement in _list(data.get("announcements", []), "announcements")
        for p in _list(announcement["prefixes"], "prefixes")
    ]
    return update_routes(time, peer, withdrawn, announced, _origin(_list(data.get("path", []), "path")))


def message_routes(message: object, report: ParseReport, number: int) -> list[Route]:
    """:func:`route_changes`, a bad message counted in ``report`` (as message ``number``) instead."""
    try:
        routes = route_changes(message)
    except _BAD_SHAPE as exc:
        report.add(Damage(0, number, _why(exc), "line"))
        return []
    report.records += 1
    report.elements += len(routes)
    return routes


def _why(exc: BaseException) -> str:
    """What was wrong with a message, in one line."""
    return f"expected a RIS Live ris_message JSON object ({type(exc).__name__}: {exc})"


def read_jsonl(
    path: Path,
    tick: Callable[[int], None] | None = None,
    report: ParseReport | None = None,
    *,
    strict: bool = False,
) -> Iterator[Route]:
    """The routes of a .jsonl(.gz) file, line after line.

    A bad line (not UTF-8, not JSON, cut short, a field of the wrong shape) is skipped and
    reported in ``report`` with its number, and the good lines around it are read: one bad line
    never sinks the file; a compressed stream cut short ends the file there, reported the same
    way. With ``strict`` the first bad line raises InputError with its number instead.
    """
    report = report if report is not None else ParseReport()
    stream, raw = open_binary(path)
    with stream, raw:
        for number, line in _numbered_lines(stream, report):
            if not line.strip():
                continue
            try:
                routes = route_changes(json.loads(line))
            except _BAD_SHAPE as exc:
                if strict:
                    raise InputError(_why(exc), path=str(path), line=number) from None
                report.add(Damage(0, number, _why(exc), "line"))
                continue
            report.records += 1
            report.elements += len(routes)
            if tick is not None and number % 4096 == 0:
                tick(raw.tell())
            yield from routes


def _numbered_lines(stream: IO[bytes], report: ParseReport) -> Iterator[tuple[int, bytes]]:
    """The lines of a stream with their numbers; a broken compressed stream ends it, reported."""
    number = 0
    try:
        for number, line in enumerate(stream, start=1):
            yield number, line
    except (OSError, EOFError, zlib.error) as exc:
        report.add(Damage(0, number + 1, f"the compressed stream is damaged or cut short ({exc})", "line"))
        report.truncated = True


def ris_live_url(env: Mapping[str, str] | None = None) -> str:
    """The RIS Live websocket address: ``$NETVIGIL_RIS_LIVE_URL`` (a mirror, a replay), else RIPE's."""
    return (os.environ if env is None else env).get(RIS_LIVE_URL_ENV) or RIS_LIVE_URL


@dataclass(slots=True)
class LiveOptions:
    """Where to connect (:func:`ris_live_url` by default), what to subscribe to, how to back off."""

    url: str = field(default_factory=ris_live_url)
    filters: dict[str, Any] = field(default_factory=dict)
    backoff_first: float = 1.0
    backoff_max: float = 60.0
    max_reconnects: int | None = None


def subscribe_message(filters: dict[str, Any]) -> str:
    """The ``ris_subscribe`` message for the given filters (host, prefix, peer, path, type, …)."""
    return json.dumps({"type": "ris_subscribe", "data": dict(filters)})


@contextmanager
def websocket_errors(url: str) -> Iterator[None]:
    """The one place websockets' errors enter netvigil (see ``model.errors``).

    A URL that is not ``ws://`` or ``wss://`` is the user's input error; a refused, dropped or
    timed-out connection ends the block quietly, because the caller reconnects with backoff.
    """
    from websockets.exceptions import InvalidURI, WebSocketException  # noqa: PLC0415

    try:
        yield
    except InvalidURI as exc:
        raise InputError(f"RIS Live URL {url!r} is not a websocket address (ws:// or wss://)") from exc
    except (OSError, WebSocketException, TimeoutError):
        return


async def live_messages(
    options: LiveOptions, on_reconnect: Callable[[int, float], None] | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Yield ``ris_message`` objects from the websocket forever, reconnecting with backoff.

    After a drop it waits ``backoff_first`` seconds, doubling up to ``backoff_max``; a connection
    that delivered messages resets the wait. ``max_reconnects`` bounds the attempts (None: no bound).
    """
    import asyncio  # noqa: PLC0415 - only the live client needs these; `netvigil mrt dump` starts faster

    from websockets.asyncio.client import connect  # noqa: PLC0415

    delay = options.backoff_first
    attempts = 0
    while True:
        delivered = False
        with websocket_errors(options.url):
            async with connect(options.url) as socket:
                await socket.send(subscribe_message(options.filters))
                async for frame in socket:
                    message = json.loads(frame)
                    if isinstance(message, dict) and message.get("type") == "ris_message":
                        delivered = True
                        yield message
        if delivered:
            delay = options.backoff_first
        attempts += 1
        if options.max_reconnects is not None and attempts > options.max_reconnects:
            return
        if on_reconnect is not None:
            on_reconnect(attempts, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, options.backoff_max)
