"""facebook_messenger (OONI ts-019): Facebook Messenger's service endpoints, by DNS and TCP.

Keys as OONI writes them: ``facebook_<endpoint>_dns_consistent`` and
``facebook_<endpoint>_reachable`` per endpoint, ``facebook_dns_blocking`` (some answer
inconsistent) and ``facebook_tcp_blocking`` (no endpoint reachable). OONI calls an answer
consistent when its address belongs to Facebook's AS32934; netvigil, without a GeoIP database in
the probe, calls it consistent when the lookup succeeds with no bogon (docs/design/ooni.md).
"""

from __future__ import annotations

import time
from typing import Any, Final

from netvigil.probe.reachability.base import ProbeContext, envelope
from netvigil.probe.reachability.messenger import trace_keys
from netvigil.probe.reachability.netx import Trace, resolve, tcp_connect

NAME: Final = "facebook_messenger"
VERSION: Final = "0.2.0"
DEFAULTS: Final[dict[str, Any]] = {
    "endpoints": {
        "stun": "stun.fbsbx.com",
        "b_api": "b-api.facebook.com",
        "b_graph": "b-graph.facebook.com",
        "edge": "edge-mqtt.facebook.com",
        "external_cdn": "external.xx.fbcdn.net",
        "scontent_cdn": "scontent.xx.fbcdn.net",
        "star": "star.c10r.facebook.com",
    },
}


def run(ctx: ProbeContext) -> dict[str, Any]:
    """Run the test once; returns the measurement in OONI's format."""
    started = time.time()
    trace = Trace()
    keys: dict[str, Any] = {}
    failures: list[str] = []
    endpoints: dict[str, str] = dict(ctx.setting(NAME, "endpoints", DEFAULTS["endpoints"]))
    for name, host in endpoints.items():
        addrs, dns_failure = resolve(host, ctx.net, trace)
        keys[f"facebook_{name}_dns_consistent"] = dns_failure is None
        if dns_failure:
            failures.append(dns_failure)
        if name == "stun":  # a UDP service: OONI only checks its DNS
            continue
        reachable = False
        if not dns_failure:
            sock, failure = tcp_connect(addrs[0], 443, ctx.net, trace)
            reachable = sock is not None
            if sock is not None:
                sock.close()
            elif failure:
                failures.append(failure)
        keys[f"facebook_{name}_reachable"] = reachable
    reachable_any = any(v for k, v in keys.items() if k.endswith("_reachable"))
    keys.update(
        {
            **trace_keys(trace),
            "facebook_dns_blocking": not all(v for k, v in keys.items() if k.endswith("_dns_consistent")),
            "facebook_tcp_blocking": not reachable_any,
            "failure": failures[0] if failures else None,
        }
    )
    return envelope(NAME, VERSION, ctx, started, keys)
