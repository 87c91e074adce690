"""signal (OONI ts-029): HTTPS to Signal's servers, verified against a CA bundle.

Keys as OONI writes them: ``signal_backend_status`` ("ok" or "blocked"), ``signal_backend_failure``,
``failure`` and ``failed_operation``. OONI pins Signal's own CA; netvigil verifies with the
configured bundle (the system's by default), see docs/design/ooni.md.
"""

from __future__ import annotations

import time
from typing import Any, Final

from netvigil.probe.reachability.base import ProbeContext, envelope
from netvigil.probe.reachability.messenger import fetch, first_failure, throttling_keys, trace_keys
from netvigil.probe.reachability.netx import Trace

NAME: Final = "signal"
VERSION: Final = "0.2.5"
DEFAULTS: Final[dict[str, Any]] = {
    "urls": [
        "https://textsecure-service.whispersystems.org/",
        "https://storage.signal.org/",
        "https://api.directory.signal.org/",
        "https://cdn.signal.org/",
        "https://cdn2.signal.org/",
        "https://sfu.voip.signal.org/",
    ],
}


def run(ctx: ProbeContext) -> dict[str, Any]:
    """Run the test once; returns the measurement in OONI's format."""
    started = time.time()
    trace = Trace()
    results = [fetch(url, ctx, trace) for url in ctx.setting(NAME, "urls", DEFAULTS["urls"])]
    failure, operation = first_failure(results)
    keys: dict[str, Any] = {
        **trace_keys(trace),
        "signal_backend_status": "ok" if failure is None else "blocked",
        "signal_backend_failure": failure,
        "failure": failure,
        "failed_operation": operation,
        **throttling_keys(results, ctx),
    }
    return envelope(NAME, VERSION, ctx, started, keys)
