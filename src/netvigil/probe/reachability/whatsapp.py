"""whatsapp (OONI ts-018): the WhatsApp web app, the registration server and the chat endpoints.

Keys as OONI writes them: ``whatsapp_web_status``/``_failure``, ``registration_server_status``/
``_failure``, ``whatsapp_endpoints_status`` ("blocked" when no endpoint is reachable),
``whatsapp_endpoints_blocked`` and ``whatsapp_endpoints_dns_inconsistent``.
"""

from __future__ import annotations

import time
from typing import Any, Final

from netvigil.probe.reachability.base import ProbeContext, envelope
from netvigil.probe.reachability.messenger import (
    connect_endpoints,
    fetch,
    first_failure,
    throttling_keys,
    trace_keys,
)
from netvigil.probe.reachability.netx import Trace

NAME: Final = "whatsapp"
VERSION: Final = "0.11.0"
DEFAULTS: Final[dict[str, Any]] = {
    "web_url": "https://web.whatsapp.com/",
    "registration_url": "https://v.whatsapp.net/v2/register",
    "endpoints": [f"e{n}.whatsapp.net:5222" for n in range(1, 17)],
}


def run(ctx: ProbeContext) -> dict[str, Any]:
    """Run the test once; returns the measurement in OONI's format."""
    started = time.time()
    trace = Trace()
    endpoints = connect_endpoints(list(ctx.setting(NAME, "endpoints", DEFAULTS["endpoints"])), ctx, trace)
    registration = fetch(ctx.setting(NAME, "registration_url", DEFAULTS["registration_url"]), ctx, trace)
    web = fetch(ctx.setting(NAME, "web_url", DEFAULTS["web_url"]), ctx, trace)
    blocked = [e.endpoint.rpartition(":")[0] for e in endpoints if e.failure]
    failure, operation = first_failure([registration, web])
    if failure is None and endpoints and len(blocked) == len(endpoints):
        failure, operation = endpoints[0].failure, "connect"
    keys: dict[str, Any] = {
        **trace_keys(trace),
        "registration_server_failure": registration.failure,
        "registration_server_status": "ok" if registration.failure is None else "blocked",
        "whatsapp_web_failure": web.failure,
        "whatsapp_web_status": "ok" if web.failure is None else "blocked",
        "whatsapp_endpoints_blocked": blocked,
        "whatsapp_endpoints_dns_inconsistent": [e.endpoint for e in endpoints if e.dns_failure],
        "whatsapp_endpoints_status": "blocked" if endpoints and len(blocked) == len(endpoints) else "ok",
        "failure": failure,
        "failed_operation": operation,
        **throttling_keys([registration, web], ctx),
    }
    return envelope(NAME, VERSION, ctx, started, keys)
