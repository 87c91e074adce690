"""web_connectivity (OONI ts-017, test_keys of v0.4): is a website blocked, and how.

Steps: DNS lookup with the probe's resolver, TCP connect to the answers, TLS and the HTTP GET;
the same URL through the control server; then OONI's comparison: DNS answers consistent with the
control's, TCP endpoints reachable when the control reached them, HTTP body/status/headers/title
alike. ``blocking`` is ``dns``, ``tcp_ip``, ``http-failure``, ``http-diff`` or false; a step that
fails for the control too means the site is down for everyone (``blocking`` false, ``accessible``
false). netvigil adds ``x_netvigil_blocking``: ``tls`` when the failure is in the TLS handshake,
``throttling`` when the page loads but much slower than the baseline site.
"""

from __future__ import annotations

import time
from typing import Any, Final
from urllib.parse import urlsplit

from netvigil.probe.reachability.base import ProbeContext, baseline_seconds, envelope, is_throttled
from netvigil.probe.reachability.control import ask_control, title_of
from netvigil.probe.reachability.netx import HttpResult, Trace, http_get, resolve

NAME: Final = "web_connectivity"
VERSION: Final = "0.4.3"
BODY_PROPORTION: Final = 0.7
# Headers nearly every server sends: they say nothing about whether two answers are the same page.
COMMON_HEADERS: Final = frozenset(
    {
        "date", "content-length", "content-type", "connection", "server", "cache-control", "expires",
        "last-modified", "etag", "vary", "accept-ranges", "set-cookie", "age", "transfer-encoding",
        "keep-alive", "content-encoding", "pragma", "x-cache",
    }
)  # fmt: skip


def _dns_consistency(addrs: list[str], failure: str | None, control: dict[str, Any]) -> str:
    control_dns = control.get("dns") or {}
    if failure is not None:
        return "consistent" if failure == control_dns.get("failure") else "inconsistent"
    return "consistent" if set(addrs) & set(control_dns.get("addrs") or []) else "inconsistent"


def _http_compare(result: HttpResult, control: dict[str, Any]) -> dict[str, Any]:
    ctl = control.get("http_request") or {}
    if result.failure is not None or ctl.get("failure") is not None:
        return {
            "body_length_match": None,
            "body_proportion": 0.0,
            "status_code_match": None,
            "headers_match": None,
            "title_match": None,
        }
    ours, theirs = len(result.body), int(ctl.get("body_length") or 0)
    proportion = min(ours, theirs) / max(ours, theirs) if max(ours, theirs) else 1.0
    our_headers = {k.lower() for k in result.headers} - COMMON_HEADERS
    their_headers = {str(k).lower() for k in ctl.get("headers") or {}} - COMMON_HEADERS
    title = title_of(result.body)
    return {
        "body_length_match": proportion > BODY_PROPORTION,
        "body_proportion": round(proportion, 4),
        "status_code_match": result.status == ctl.get("status_code"),
        "headers_match": our_headers == their_headers if our_headers or their_headers else None,
        "title_match": bool(title) and title.split()[:1] == str(ctl.get("title") or "").split()[:1],
    }


def analyse(
    dns: tuple[list[str], str | None], result: HttpResult, control: dict[str, Any], trace: Trace
) -> dict[str, Any]:
    """OONI's v0.4 verdict keys from the probe's steps and the control's answer."""
    addrs, dns_failure = dns
    keys: dict[str, Any] = {"dns_consistency": _dns_consistency(addrs, dns_failure, control)}
    keys.update(_http_compare(result, control))
    ctl_http = control.get("http_request") or {}
    ctl_tcp_ok = any((v or {}).get("status") for v in (control.get("tcp_connect") or {}).values())
    our_tcp_ok = any(e["status"]["success"] for e in trace.tcp_connect)
    inconsistent = keys["dns_consistency"] == "inconsistent"
    blocking: str | bool
    if dns_failure is not None:
        blocking = False if not inconsistent else "dns"
    elif result.failure is None:
        same = keys["status_code_match"] and (
            keys["body_length_match"] or keys["headers_match"] or keys["title_match"]
        )
        blocking = False if same or ctl_http.get("failure") else ("dns" if inconsistent else "http-diff")
    elif ctl_http.get("failure") is not None and not inconsistent:
        blocking = False
    elif inconsistent:
        blocking = "dns"
    elif not our_tcp_ok and ctl_tcp_ok:
        blocking = "tcp_ip"
    else:
        blocking = "http-failure"
    site_down = blocking is False and (dns_failure is not None or result.failure is not None)
    keys["blocking"] = blocking
    keys["accessible"] = blocking is False and not site_down
    if blocking == "http-failure" and result.operation == "tls_handshake":
        keys["x_netvigil_blocking"] = "tls"
    return keys


def run(url: str, ctx: ProbeContext) -> dict[str, Any]:
    """Measure one URL; returns the measurement in OONI's format."""
    started = time.time()
    trace = Trace()
    host = urlsplit(url).hostname or ""
    dns = resolve(host, ctx.net, trace)
    if dns[1] is None:
        result = http_get(url, ctx.net, trace, addresses=dns[0])
    else:
        result = HttpResult(dns[1], "resolve")
    port = urlsplit(url).port or (443 if url.startswith("https") else 80)
    request = {
        "http_request": url,
        "http_request_headers": {},
        "tcp_connect": [f"{a}:{port}" for a in dns[0]],
    }
    control: dict[str, Any] | None = None
    control_failure: str | None = "no control server configured"
    if ctx.control_url:
        control, control_failure = ask_control(ctx.control_url, request, ctx.net)
    keys: dict[str, Any] = {
        "agent": "redirect",
        "client_resolver": ctx.net.resolver or "",
        "retries": None,
        "socksproxy": None,
        "queries": trace.queries,
        "tcp_connect": trace.tcp_connect,
        "tls_handshakes": trace.tls_handshakes,
        "requests": trace.requests,
        "dns_experiment_failure": dns[1],
        "http_experiment_failure": result.failure if dns[1] is None else None,
        "control_failure": control_failure,
        "control": control or {},
        "x_netvigil_seconds": round(result.seconds, 4),
    }
    if control is None:
        keys.update({"blocking": None, "accessible": None, "dns_consistency": None})
    else:
        keys.update(analyse(dns, result, control, trace))
        if keys["accessible"]:
            base = baseline_seconds(ctx)
            keys["x_netvigil_baseline_seconds"] = base
            if is_throttled(result.seconds, base, ctx):
                keys["x_netvigil_blocking"] = "throttling"
    return envelope(NAME, VERSION, ctx, started, keys, url)
