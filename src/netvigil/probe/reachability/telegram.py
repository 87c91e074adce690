"""telegram (OONI ts-020): Telegram's data centres over TCP and HTTP, and Telegram Web.

Keys as OONI writes them: ``telegram_tcp_blocking`` (no data centre accepted a connection),
``telegram_http_blocking`` (no data centre answered HTTP), ``telegram_web_status``/``_failure``.
"""

from __future__ import annotations

import time
from typing import Any, Final

from netvigil.probe.reachability.base import ProbeContext, envelope
from netvigil.probe.reachability.messenger import fetch, first_failure, throttling_keys, trace_keys
from netvigil.probe.reachability.netx import Trace

NAME: Final = "telegram"
VERSION: Final = "0.3.0"
DEFAULTS: Final[dict[str, Any]] = {
    "data_centres": [
        "149.154.175.50",
        "149.154.167.51",
        "149.154.175.100",
        "149.154.167.91",
        "149.154.171.5",
    ],
    "ports": [80, 443],
    "web_url": "https://web.telegram.org/",
}


def run(ctx: ProbeContext) -> dict[str, Any]:
    """Run the test once; returns the measurement in OONI's format."""
    started = time.time()
    trace = Trace()
    centres = list(ctx.setting(NAME, "data_centres", DEFAULTS["data_centres"]))
    ports = list(ctx.setting(NAME, "ports", DEFAULTS["ports"]))
    dc_results = [fetch(f"http://{ip}:{port}/", ctx, trace) for ip in centres for port in ports]
    web = fetch(ctx.setting(NAME, "web_url", DEFAULTS["web_url"]), ctx, trace)
    tcp_ok = any(e["status"]["success"] for e in trace.tcp_connect if e["ip"] in centres)
    http_ok = any(r.failure is None for r in dc_results)
    failure, operation = (
        first_failure([web, *dc_results]) if not (http_ok and web.failure is None) else (None, None)
    )
    keys: dict[str, Any] = {
        **trace_keys(trace),
        "telegram_tcp_blocking": not tcp_ok,
        "telegram_http_blocking": not http_ok,
        "telegram_web_failure": web.failure,
        "telegram_web_status": "ok" if web.failure is None else "blocked",
        "failure": failure,
        "failed_operation": operation,
        **throttling_keys([web], ctx),
    }
    return envelope(NAME, VERSION, ctx, started, keys)
