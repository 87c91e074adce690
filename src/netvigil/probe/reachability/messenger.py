"""Steps the messenger tests share: fetch URLs, connect to endpoints, judge throttling.

Throttling is judged on the successful fetches only, against the baseline site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netvigil.probe.reachability.base import ProbeContext, baseline_seconds, is_throttled
from netvigil.probe.reachability.netx import HttpResult, Trace, http_get, resolve, tcp_connect


@dataclass(frozen=True, slots=True)
class EndpointResult:
    """One ``host:port`` endpoint: reachable over TCP or the failure (DNS or connect)."""

    endpoint: str
    failure: str | None
    dns_failure: str | None


def connect_endpoints(endpoints: list[str], ctx: ProbeContext, trace: Trace) -> list[EndpointResult]:
    """Resolve each ``host:port`` and connect to its first address."""
    out: list[EndpointResult] = []
    for endpoint in endpoints:
        host, _, port = endpoint.rpartition(":")
        addrs, dns_failure = resolve(host, ctx.net, trace)
        if dns_failure or not addrs:
            out.append(EndpointResult(endpoint, dns_failure or "dns_no_answer", dns_failure))
            continue
        sock, failure = tcp_connect(addrs[0], int(port), ctx.net, trace)
        if sock is not None:
            sock.close()
        out.append(EndpointResult(endpoint, failure, None))
    return out


def fetch(url: str, ctx: ProbeContext, trace: Trace) -> HttpResult:
    """GET one URL through every step, recorded in ``trace``."""
    return http_get(url, ctx.net, trace)


def first_failure(results: list[HttpResult]) -> tuple[str | None, str | None]:
    """The first failure and its operation among HTTP results."""
    for result in results:
        if result.failure:
            return result.failure, result.operation
    return None, None


def throttling_keys(results: list[HttpResult], ctx: ProbeContext) -> dict[str, Any]:
    """``x_netvigil_*`` keys: marked throttled when every fetch worked but the slowest is much slower."""
    if not results or any(r.failure for r in results):
        return {}
    slowest = max(r.seconds for r in results)
    base = baseline_seconds(ctx)
    keys: dict[str, Any] = {"x_netvigil_seconds": round(slowest, 4), "x_netvigil_baseline_seconds": base}
    if is_throttled(slowest, base, ctx):
        keys["x_netvigil_blocking"] = "throttling"
    return keys


def trace_keys(trace: Trace) -> dict[str, Any]:
    """The network-event lists of a trace under OONI's key names."""
    return {
        "queries": trace.queries,
        "tcp_connect": trace.tcp_connect,
        "tls_handshakes": trace.tls_handshakes,
        "requests": trace.requests,
    }
