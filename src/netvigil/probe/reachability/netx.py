"""Network steps of the reachability tests — DNS, TCP, TLS, HTTP — each returning data, never raising.

Every step returns a record with OONI's field names (data formats df-002 dns, df-005 tcpconnect,
df-006 tlshandshake, df-001 httpt) and, on failure, one of OONI's failure strings
(:mod:`netvigil.model.failures`). Everything a lab needs to inject is a parameter: the resolver
address, the CA bundle, timeouts. Times ``t`` are seconds since the test started, as OONI writes.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

MAX_BODY: Final = 1 << 20
USER_AGENT: Final = "Mozilla/5.0 (netvigil reachability probe)"


@dataclass(frozen=True, slots=True)
class NetConfig:
    """Where and how the steps reach the network: resolver ``ip`` or ``ip:port`` (None: the system's).

    ``allowed_networks`` are private prefixes that are legitimate answers here (a lab, an
    intranet); any other non-global answer is a bogon.
    """

    resolver: str | None = None
    ca_bundle: str | None = None
    timeout: float = 10.0
    allowed_networks: tuple[str, ...] = ()


@dataclass(slots=True)
class Trace:
    """The records of one test run, in OONI's ``test_keys`` lists, and its clock."""

    started: float = field(default_factory=time.monotonic)
    queries: list[dict[str, Any]] = field(default_factory=list)
    tcp_connect: list[dict[str, Any]] = field(default_factory=list)
    tls_handshakes: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def now(self) -> float:
        """Seconds since the test started."""
        return round(time.monotonic() - self.started, 6)


# -- failure strings ----------------------------------------------------------------------------
_ERRNO: Final = {
    errno.ECONNREFUSED: "connection_refused",
    errno.ECONNRESET: "connection_reset",
    errno.EHOSTUNREACH: "host_unreachable",
    errno.ENETUNREACH: "network_unreachable",
    errno.ETIMEDOUT: "generic_timeout_error",
    errno.EPIPE: "connection_reset",
}


def failure_of(exc: BaseException) -> str:
    """OONI's failure string for an exception raised by a socket, TLS or DNS call."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_code", 0)
        if code == 62 or "hostname mismatch" in str(exc).lower():
            return "ssl_invalid_hostname"
        if code in (2, 18, 19, 20, 21):
            return "ssl_unknown_authority"
        return "ssl_invalid_certificate"
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return "eof_error"
    if isinstance(exc, TimeoutError | socket.timeout | dns.exception.Timeout):
        return "generic_timeout_error"
    if isinstance(exc, ConnectionResetError):
        return "connection_reset"
    if isinstance(exc, ssl.SSLError):
        return "connection_reset" if "reset" in str(exc).lower() else "ssl_failed_handshake"
    if isinstance(exc, OSError) and exc.errno in _ERRNO:
        return _ERRNO[exc.errno]
    if isinstance(exc, EOFError):
        return "eof_error"
    return "unknown_failure"


def is_bogon(address: str, allowed: tuple[str, ...] = ()) -> bool:
    """Private, loopback, link-local or reserved addresses (outside ``allowed``): never a public answer."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if any(ip in ipaddress.ip_network(net, strict=False) for net in allowed):
        return False
    return not ip.is_global


# -- DNS ----------------------------------------------------------------------------------------
def _resolver_address(resolver: str) -> tuple[str, int]:
    host, _, port = resolver.rpartition(":") if resolver.count(":") == 1 else (resolver, "", "")
    return (host, int(port)) if port else (resolver, 53)


def _query_udp(host: str, resolver: str, timeout: float) -> tuple[list[str], str | None]:
    address, port = _resolver_address(resolver)
    query = dns.message.make_query(host, dns.rdatatype.A)
    try:
        response = dns.query.udp(query, address, timeout=timeout, port=port)
    except (dns.exception.DNSException, OSError) as exc:
        return [], failure_of(exc)
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return [], "dns_nxdomain_error"
    if rcode == dns.rcode.REFUSED:
        return [], "dns_refused_error"
    if rcode != dns.rcode.NOERROR:
        return [], "dns_server_misbehaving"
    addrs = [rd.address for rrset in response.answer if rrset.rdtype == dns.rdatatype.A for rd in rrset]
    return addrs, None if addrs else "dns_no_answer"


def _query_system(host: str) -> tuple[list[str], str | None]:
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            return [], "dns_nxdomain_error"
        return [], "dns_server_misbehaving"
    return sorted({str(info[4][0]) for info in infos}), None


def resolve(host: str, net: NetConfig, trace: Trace) -> tuple[list[str], str | None]:
    """A-records of ``host`` and the failure; bogon answers fail as ``dns_bogon_error``."""
    t0 = trace.now()
    if _is_ip(host):
        return [host], None
    addrs, failure = _query_udp(host, net.resolver, net.timeout) if net.resolver else _query_system(host)
    if failure is None and any(is_bogon(a, net.allowed_networks) for a in addrs):
        failure = "dns_bogon_error"
    trace.queries.append(
        {
            "hostname": host,
            "query_type": "A",
            "engine": "udp" if net.resolver else "getaddrinfo",
            "resolver_address": net.resolver or "",
            "answers": [{"answer_type": "A", "ipv4": a, "ttl": None} for a in addrs],
            "failure": failure,
            "t0": t0,
            "t": trace.now(),
        }
    )
    return addrs, failure


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# -- TCP, TLS -----------------------------------------------------------------------------------
def tcp_connect(ip: str, port: int, net: NetConfig, trace: Trace) -> tuple[socket.socket | None, str | None]:
    """A connected socket (or None) and the failure, recorded in ``trace.tcp_connect``."""
    t0 = trace.now()
    sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(net.timeout)
    failure: str | None = None
    try:
        sock.connect((ip, port))
    except OSError as exc:
        failure = failure_of(exc)
        sock.close()
    trace.tcp_connect.append(
        {
            "ip": ip,
            "port": port,
            "status": {"success": failure is None, "failure": failure, "blocked": failure is not None},
            "t0": t0,
            "t": trace.now(),
        }
    )
    return (None, failure) if failure else (sock, None)


def tls_context(net: NetConfig) -> ssl.SSLContext:
    """A verifying client context trusting ``net.ca_bundle`` (or the system's CAs)."""
    context = ssl.create_default_context(cafile=net.ca_bundle)
    context.set_alpn_protocols(["http/1.1"])
    return context


def tls_handshake(
    sock: socket.socket, server_name: str, address: str, net: NetConfig, trace: Trace
) -> tuple[ssl.SSLSocket | None, str | None]:
    """Wrap ``sock`` in TLS for ``server_name``; records df-006 fields in ``trace.tls_handshakes``."""
    t0 = trace.now()
    failure: str | None = None
    wrapped: ssl.SSLSocket | None = None
    try:
        wrapped = tls_context(net).wrap_socket(sock, server_hostname=server_name)
    except (OSError, ssl.SSLError) as exc:
        failure = failure_of(exc)
        sock.close()
    trace.tls_handshakes.append(
        {
            "address": address,
            "server_name": server_name,
            "failure": failure,
            "tls_version": wrapped.version() if wrapped else "",
            "cipher_suite": (wrapped.cipher() or ("",))[0] if wrapped else "",
            "negotiated_protocol": (wrapped.selected_alpn_protocol() or "") if wrapped else "",
            "t0": t0,
            "t": trace.now(),
        }
    )
    return wrapped, failure


# -- HTTP ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HttpResult:
    """What one HTTP request gave; ``failure`` with the ``operation`` that failed, else a response."""

    failure: str | None
    operation: str | None
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    address: str = ""


def _read_all(sock: socket.socket) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < MAX_BODY:
        data = sock.recv(65536)
        if not data:
            break
        chunks.append(data)
        size += len(data)
    return b"".join(chunks)


def _dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        line, _, rest = rest.partition(b"\r\n")
        size = int(line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def parse_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a raw HTTP/1.x response; raises EOFError if there is none."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/"):
        raise EOFError("no HTTP response")
    lines = head.decode("iso-8859-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    if any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers.items()):
        body = _dechunk(body)
    return status, headers, body


def _request_bytes(url: str, method: str = "GET") -> bytes:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return (
        f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: {USER_AGENT}\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    ).encode()


def http_get(url: str, net: NetConfig, trace: Trace, addresses: list[str] | None = None) -> HttpResult:
    """GET ``url`` step by step (DNS → TCP → TLS → HTTP) and record every step in ``trace``."""
    started = time.monotonic()
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if addresses is None:
        addresses, dns_failure = resolve(host, net, trace)
        if dns_failure:
            return _record(trace, url, HttpResult(dns_failure, "resolve"))
    result = HttpResult("generic_timeout_error", "connect")
    for ip in addresses[:2]:
        result = _get_from(url, host, ip, port, net, trace)
        if result.operation != "connect":
            break
    return _record(trace, url, _timed(result, time.monotonic() - started))


def _timed(result: HttpResult, seconds: float) -> HttpResult:
    return HttpResult(
        result.failure, result.operation, result.status, result.headers, result.body, seconds, result.address
    )


def _get_from(url: str, host: str, ip: str, port: int, net: NetConfig, trace: Trace) -> HttpResult:
    address = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
    sock, failure = tcp_connect(ip, port, net, trace)
    if sock is None:
        return HttpResult(failure, "connect", address=address)
    conn: socket.socket = sock
    if urlsplit(url).scheme == "https":
        wrapped, failure = tls_handshake(sock, host, address, net, trace)
        if wrapped is None:
            return HttpResult(failure, "tls_handshake", address=address)
        conn = wrapped
    try:
        with conn:
            conn.sendall(_request_bytes(url))
            status, headers, body = parse_response(_read_all(conn))
    except (OSError, EOFError, ValueError, IndexError) as exc:
        return HttpResult(failure_of(exc), "http_round_trip", address=address)
    return HttpResult(None, None, status, headers, body, address=address)


def _record(trace: Trace, url: str, result: HttpResult) -> HttpResult:
    response = None
    if result.failure is None:
        response = {
            "code": result.status,
            "headers": result.headers,
            "body": result.body[:MAX_BODY].decode("utf-8", errors="replace"),
            "body_is_truncated": len(result.body) >= MAX_BODY,
        }
    trace.requests.append(
        {
            "request": {"url": url, "method": "GET", "headers": {"User-Agent": USER_AGENT}},
            "response": response,
            "failure": result.failure,
            "failed_operation": result.operation,
            "address": result.address,
            "t": trace.now(),
        }
    )
    return result
