"""Asyncio ICMP echo for IPv4 and IPv6: a raw socket as root, an unprivileged ICMP datagram socket otherwise.

:class:`IcmpPinger` sends echo requests without blocking and matches every reply to its request by
identifier and sequence number, then checks the source address and a per-session cookie in the
payload. Anything else is counted, never raised: a *late* reply (its probe already timed out), a
*duplicate* (already answered), a *foreign* packet (another program's ping, or a stranger's). ICMP
errors (destination unreachable, time exceeded) and send errors become :class:`Failure` data.

Raw sockets (``SOCK_RAW``) need root or CAP_NET_RAW and see every ICMP packet of the host, so the
identifier and cookie matter. Datagram ("ping") sockets (``SOCK_DGRAM``, Linux 3.0+) need the
caller's group in ``net.ipv4.ping_group_range`` (the range also governs IPv6); the kernel then picks
the identifier, fills in the checksum and only delivers this socket's own replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import os
import socket
import struct
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Final, Literal

from netvigil.model.errors import ConfigError
from netvigil.model.failures import Failure, FailureString
from netvigil.probe.transport import TIMEOUT, ProbeResult

SocketKind = Literal["raw", "dgram"]
ECHO_REQUEST: Final = {4: 8, 6: 128}
ECHO_REPLY: Final = {4: 0, 6: 129}
UNREACHABLE: Final = {4: 3, 6: 1}
TIME_EXCEEDED: Final = {4: 11, 6: 3}
_HEADER = struct.Struct("!BBHHH")
_SOL_RAW: Final = 255
_ICMP_FILTER: Final = 1
_ICMP6_FILTER: Final = 1
_SEQ_SPACE: Final = 65536
_READ_BATCH: Final = 512
HOW_TO_ENABLE: Final = (
    "cannot open an ICMP socket: run as root (raw socket, CAP_NET_RAW) or allow unprivileged ICMP "
    "datagram sockets for your group, e.g. sudo sysctl -w net.ipv4.ping_group_range='0 2147483647' "
    "(the range applies to IPv4 and IPv6)"
)
_SEND_ERRORS: Final[dict[int, FailureString]] = {
    errno.ENETUNREACH: "network_unreachable",
    errno.EHOSTUNREACH: "host_unreachable",
    errno.EHOSTDOWN: "host_unreachable",
    errno.EADDRNOTAVAIL: "network_unreachable",
}


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data += b"\0"
    total = _word_sum(data)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def open_icmp_socket(family: int, kind: SocketKind | None = None) -> tuple[socket.socket, SocketKind]:
    """Open a non-blocking ICMP socket of ``family``: raw if allowed (or asked), else datagram.

    Raises :class:`ConfigError` with the sysctl that enables unprivileged ICMP when neither works.
    """
    proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
    kinds: tuple[SocketKind, ...] = (kind,) if kind else ("raw", "dgram")
    for candidate in kinds:
        sock_type = socket.SOCK_RAW if candidate == "raw" else socket.SOCK_DGRAM
        try:
            sock = socket.socket(family, sock_type, proto)
        except (PermissionError, OSError):
            continue
        sock.setblocking(False)
        _tune(sock, family, candidate)
        return sock, candidate
    raise ConfigError(HOW_TO_ENABLE)


def _tune(sock: socket.socket, family: int, kind: SocketKind) -> None:
    """Large buffers for bursts; on raw sockets let the kernel drop ICMP types we never read."""
    for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, option, 4 << 20)
    if kind != "raw":
        return
    wanted = (ECHO_REPLY[4 if family == socket.AF_INET else 6], UNREACHABLE[4], TIME_EXCEEDED[4])
    if family == socket.AF_INET:
        blocked = 0xFFFFFFFF
        for icmp_type in wanted:
            blocked &= ~(1 << icmp_type)
        sock.setsockopt(_SOL_RAW, _ICMP_FILTER, struct.pack("=I", blocked))
        return
    words = [0xFFFFFFFF] * 8
    for icmp_type in (ECHO_REPLY[6], UNREACHABLE[6], TIME_EXCEEDED[6]):
        words[icmp_type >> 5] &= ~(1 << (icmp_type & 31))
    sock.setsockopt(socket.IPPROTO_ICMPV6, _ICMP6_FILTER, struct.pack("=8I", *words))


@dataclass(slots=True)
class PingStats:
    """Counters of one pinger: what was sent, answered, lost, and what arrived that we did not expect."""

    sent: int = 0
    replies: int = 0
    timeouts: int = 0
    errors: int = 0
    late: int = 0
    duplicates: int = 0
    foreign: int = 0


@dataclass(slots=True)
class _Pending:
    token: int
    address: str
    sent_at: float
    deadline: float


@dataclass(slots=True)
class _Family:
    """One address family's socket, identifier and checksum state."""

    version: int
    sock: socket.socket
    kind: SocketKind
    ident: int
    payload_sum: int = 0
    backlog: deque[tuple[bytes, tuple[str, int] | tuple[str, int, int, int], int]] = field(
        default_factory=deque
    )


class IcmpPinger:
    """Non-blocking echo requests with replies matched by identifier, sequence, source and cookie.

    Results (replies, timeouts, unreachable errors) are appended to :attr:`results` and the future
    in :attr:`waiter` (if any) is woken; the caller drains them. One sequence space of 65,536 is
    shared by both families, so at most that many probes can be outstanding at once.
    """

    def __init__(
        self, *, timeout: float = 3.0, kind: SocketKind | None = None, payload_size: int = 16
    ) -> None:
        self.timeout = timeout
        self.stats = PingStats()
        self.results: list[ProbeResult] = []
        self.waiter: asyncio.Future[None] | None = None
        self._kind = kind
        self._cookie = os.urandom(8)
        self._payload = self._cookie + bytes(max(0, payload_size - 8))
        self._families: dict[int, _Family] = {}
        self._pending: dict[int, _Pending] = {}
        self._answered: deque[int] = deque(maxlen=4096)
        self._expired: dict[int, float] = {}
        self._deadlines: deque[tuple[float, int]] = deque()
        self._seq = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def open(self, versions: tuple[int, ...] = (4, 6)) -> SocketKind:
        """Open one socket per IP version (skipping a version the host lacks); returns the socket kind."""
        self._loop = asyncio.get_running_loop()
        errors: list[str] = []
        for version in versions:
            family = socket.AF_INET if version == 4 else socket.AF_INET6
            try:
                sock, kind = open_icmp_socket(family, self._kind)
            except ConfigError as exc:
                errors.append(str(exc))
                continue
            ident = self._identifier(sock, kind)
            fam = _Family(version, sock, kind, ident)
            fam.payload_sum = _word_sum(self._payload)
            self._families[version] = fam
            self._loop.add_reader(sock.fileno(), self._on_readable, fam)
        if not self._families:
            raise ConfigError(errors[0] if errors else HOW_TO_ENABLE)
        return next(iter(self._families.values())).kind

    @staticmethod
    def _identifier(sock: socket.socket, kind: SocketKind) -> int:
        if kind == "dgram":
            sock.bind(("0.0.0.0", 0) if sock.family == socket.AF_INET else ("::", 0))
            return int(sock.getsockname()[1]) & 0xFFFF
        return (os.getpid() ^ int.from_bytes(os.urandom(2), "big")) & 0xFFFF

    def close(self) -> None:
        """Stop reading and close the sockets; outstanding probes are dropped."""
        for fam in self._families.values():
            if self._loop is not None:
                self._loop.remove_reader(fam.sock.fileno())
                self._loop.remove_writer(fam.sock.fileno())
            fam.sock.close()
        self._families.clear()

    @property
    def kind(self) -> SocketKind | None:
        """The kind of socket in use (raw or dgram), once open."""
        fam = next(iter(self._families.values()), None)
        return fam.kind if fam else None

    @property
    def outstanding(self) -> int:
        """Probes sent and neither answered nor timed out yet."""
        return len(self._pending)

    # -- sending --------------------------------------------------------------------------
    def send(self, address: str, token: int) -> None:
        """Send one echo request to ``address`` (canonical text); the result comes back as ``token``."""
        now = time.time()
        version = 6 if ":" in address else 4
        fam = self._families.get(version)
        if fam is None:
            self._finish_now(token, Failure("network_unreachable", "icmp_echo"))
            return
        seq = self._next_seq()
        if seq is None:
            self._finish_now(token, Failure("unknown_failure", "icmp_echo"))
            return
        packet = self._packet(fam, seq)
        target: tuple[str, int] | tuple[str, int, int, int] = (
            (address, 0) if version == 4 else (address, 0, 0, 0)
        )
        self._pending[seq] = _Pending(token, address, now, now + self.timeout)
        self._deadlines.append((now + self.timeout, seq))
        self.stats.sent += 1
        if fam.backlog:
            fam.backlog.append((packet, target, seq))
            return
        self._transmit(fam, packet, target, seq)

    def _transmit(
        self, fam: _Family, packet: bytes, target: tuple[str, int] | tuple[str, int, int, int], seq: int
    ) -> bool:
        try:
            fam.sock.sendto(packet, target)
        except BlockingIOError:
            fam.backlog.append((packet, target, seq))
            if self._loop is not None and len(fam.backlog) == 1:
                self._loop.add_writer(fam.sock.fileno(), self._flush, fam)
            return False
        except OSError as exc:
            pending = self._pending.pop(seq, None)
            if pending is not None:
                failure = _SEND_ERRORS.get(exc.errno or 0, "unknown_failure")
                self._finish_now(pending.token, Failure(failure, "icmp_echo"))
        return True

    def _flush(self, fam: _Family) -> None:
        while fam.backlog:
            packet, target, seq = fam.backlog.popleft()
            if seq not in self._pending:
                continue
            if not self._transmit(fam, packet, target, seq):
                fam.backlog.pop()
                fam.backlog.appendleft((packet, target, seq))
                return
        if self._loop is not None:
            self._loop.remove_writer(fam.sock.fileno())

    def _next_seq(self) -> int | None:
        for _ in range(_SEQ_SPACE):
            self._seq = (self._seq + 1) % _SEQ_SPACE
            if self._seq not in self._pending:
                return self._seq
        return None

    def _packet(self, fam: _Family, seq: int) -> bytes:
        icmp_type = ECHO_REQUEST[fam.version]
        if fam.version == 6 or fam.kind == "dgram":
            return _HEADER.pack(icmp_type, 0, 0, fam.ident, seq) + self._payload
        total = (icmp_type << 8) + fam.ident + seq + fam.payload_sum
        while total >> 16:
            total = (total & 0xFFFF) + (total >> 16)
        return _HEADER.pack(icmp_type, 0, ~total & 0xFFFF, fam.ident, seq) + self._payload

    def _finish_now(self, token: int, failure: Failure) -> None:
        self.stats.errors += 1
        self.results.append(ProbeResult(token, False, None, failure))
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None:
            _resolve(self.waiter)

    # -- receiving ------------------------------------------------------------------------
    def _on_readable(self, fam: _Family) -> None:
        for _ in range(_READ_BATCH):
            try:
                data, source = fam.sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            self._handle(fam, data, source[0])

    def _handle(self, fam: _Family, data: bytes, source: str) -> None:
        if fam.version == 4 and fam.kind == "raw":
            data = data[(data[0] & 0x0F) * 4 :]
        if len(data) < 8:
            self.stats.foreign += 1
            return
        icmp_type, code, _, ident, seq = _HEADER.unpack_from(data)
        if icmp_type == ECHO_REPLY[fam.version]:
            self._on_reply(fam, ident, seq, source, data[8:16])
        elif icmp_type in (UNREACHABLE[fam.version], TIME_EXCEEDED[fam.version]):
            self._on_error(fam, icmp_type, code, data[8:])
        else:
            self.stats.foreign += 1

    def _on_reply(self, fam: _Family, ident: int, seq: int, source: str, cookie: bytes) -> None:
        if ident != fam.ident or cookie != self._cookie:
            self.stats.foreign += 1
            return
        pending = self._pending.get(seq)
        if pending is None or _canonical(source) != pending.address:
            self._count_unexpected(seq)
            return
        del self._pending[seq]
        self._answered.append(seq)
        self.stats.replies += 1
        self.results.append(ProbeResult(pending.token, True, time.time() - pending.sent_at))
        self._wake()

    def _count_unexpected(self, seq: int) -> None:
        if seq in self._expired:
            self.stats.late += 1
        elif seq in self._answered:
            self.stats.duplicates += 1
        else:
            self.stats.foreign += 1

    def _on_error(self, fam: _Family, icmp_type: int, code: int, quoted: bytes) -> None:
        offset = (quoted[0] & 0x0F) * 4 if fam.version == 4 and quoted else 40
        inner = quoted[offset : offset + 8]
        if len(inner) < 8:
            self.stats.foreign += 1
            return
        inner_type, _, _, ident, seq = _HEADER.unpack_from(inner)
        pending = self._pending.get(seq)
        if inner_type != ECHO_REQUEST[fam.version] or ident != fam.ident or pending is None:
            self.stats.foreign += 1
            return
        del self._pending[seq]
        self._finish_now(pending.token, Failure(_error_failure(fam.version, icmp_type, code), "icmp_echo"))

    # -- timeouts -------------------------------------------------------------------------
    def expire(self, now: float | None = None) -> None:
        """Turn every probe whose deadline has passed into a timeout result."""
        now = time.time() if now is None else now
        while self._deadlines and self._deadlines[0][0] <= now:
            deadline, seq = self._deadlines.popleft()
            pending = self._pending.get(seq)
            if pending is None or pending.deadline != deadline:
                continue
            del self._pending[seq]
            self._expired[seq] = now
            self.stats.timeouts += 1
            self.results.append(ProbeResult(pending.token, False, None, TIMEOUT))
        if len(self._expired) > 8192:
            horizon = now - 10 * self.timeout
            self._expired = {s: t for s, t in self._expired.items() if t >= horizon}

    def next_deadline(self) -> float | None:
        """When the oldest outstanding probe times out, if any is outstanding."""
        while self._deadlines:
            deadline, seq = self._deadlines[0]
            pending = self._pending.get(seq)
            if pending is not None and pending.deadline == deadline:
                return deadline
            self._deadlines.popleft()
        return None


def _error_failure(version: int, icmp_type: int, code: int) -> FailureString:
    if icmp_type == TIME_EXCEEDED[version]:
        return "host_unreachable"
    network_codes = (0, 6, 9, 11) if version == 4 else (0,)
    return "network_unreachable" if code in network_codes else "host_unreachable"


def _word_sum(data: bytes) -> int:
    padded = data + b"\0" if len(data) % 2 else data
    words: tuple[int, ...] = struct.unpack(f"!{len(padded) // 2}H", padded)
    return sum(words)


def _canonical(address: str) -> str:
    return address if ":" not in address else str(ipaddress.IPv6Address(address.split("%", maxsplit=1)[0]))


class IcmpTransport:
    """The real :class:`~netvigil.probe.transport.Transport`: an :class:`IcmpPinger` on the wall clock."""

    def __init__(self, *, timeout: float = 3.0, kind: SocketKind | None = None) -> None:
        self.pinger = IcmpPinger(timeout=timeout, kind=kind)

    def open(self, versions: tuple[int, ...] = (4, 6)) -> SocketKind:
        """Open the sockets (call inside the running event loop)."""
        return self.pinger.open(versions)

    def close(self) -> None:
        """Close the sockets."""
        self.pinger.close()

    def now(self) -> float:
        """Wall-clock Unix seconds."""
        return time.time()

    def send(self, address: str, token: int) -> None:
        """Send one echo request."""
        self.pinger.send(address, token)

    def drain(self) -> list[ProbeResult]:
        """Replies and errors received so far plus probes that have just timed out."""
        self.pinger.expire()
        done = self.pinger.results
        self.pinger.results = []
        return done

    async def wait(self, until: float) -> None:
        """Sleep until a result arrives, the next probe times out, or ``until``."""
        if self.pinger.results:
            return
        deadline = self.pinger.next_deadline()
        target = until if deadline is None else min(until, deadline)
        delay = target - time.time()
        if delay <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self.pinger.waiter = waiter
        timer = None if delay == float("inf") else loop.call_later(delay, _resolve, waiter)
        try:
            await waiter
        finally:
            self.pinger.waiter = None
            if timer is not None:
                timer.cancel()


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
