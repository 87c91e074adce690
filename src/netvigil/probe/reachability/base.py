"""What every reachability test shares: its context, the OONI envelope (contract 3.5), the throttling rule.

Endpoints are configuration (real defaults, lab hosts in tests); throttling is judged against a
baseline site measured on the same network in the same run.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from netvigil.model.measurements import VantagePoint, ooni_time
from netvigil.probe.reachability.netx import NetConfig, Trace, http_get

SOFTWARE_NAME: Final = "netvigil"
SOFTWARE_VERSION: Final = "0.1.0"
DATA_FORMAT_VERSION: Final = "0.2.0"


@dataclass(frozen=True, slots=True)
class ProbeContext:
    """Where the probe stands and what it may contact.

    ``endpoints`` overrides a test's defaults (see each test's ``DEFAULTS``), e.g. a lab's
    addresses; ``control_url`` is the control server (``netvigil control serve``) web tests compare
    with; ``baseline_url`` is a site measured alongside each test to tell throttling from a slow
    network: a test is throttled when it takes ``throttle_factor`` times the baseline's time and at
    least ``throttle_min_seconds`` more. ``vantage`` is where the probe stands (region, network,
    coordinates); each measurement carries it as ``x_netvigil_`` annotations.
    """

    net: NetConfig = field(default_factory=NetConfig)
    probe_cc: str = "ZZ"
    probe_asn: str = "AS0"
    control_url: str | None = None
    baseline_url: str | None = None
    throttle_factor: float = 3.0
    throttle_min_seconds: float = 0.5
    endpoints: Mapping[str, Any] = field(default_factory=dict)
    vantage: VantagePoint = field(default_factory=VantagePoint)

    def setting(self, test: str, key: str, default: Any) -> Any:
        """An endpoint setting of ``test``: the override if given, else the real default."""
        overrides = self.endpoints.get(test) or {}
        return overrides.get(key, default)


def envelope(
    test_name: str,
    test_version: str,
    ctx: ProbeContext,
    started: float,
    test_keys: dict[str, Any],
    input_: str | None = None,
) -> dict[str, Any]:
    """One measurement in OONI's data format (df-000-base), with a fresh report id."""
    stamp = datetime.fromtimestamp(started, UTC).strftime("%Y%m%dT%H%M%SZ")
    asn_digits = ctx.probe_asn.removeprefix("AS")
    return {
        "annotations": {
            "engine_name": SOFTWARE_NAME,
            "engine_version": SOFTWARE_VERSION,
            **ctx.vantage.annotations(),
        },
        "data_format_version": DATA_FORMAT_VERSION,
        "input": input_,
        "measurement_start_time": ooni_time(started),
        "probe_asn": ctx.probe_asn,
        "probe_cc": ctx.probe_cc,
        "probe_ip": "127.0.0.1",
        "report_id": "_".join(
            (stamp, test_name.replace("_", ""), ctx.probe_cc, asn_digits, "n1", secrets.token_hex(8))
        ),
        "resolver_ip": ctx.net.resolver or "",
        "software_name": SOFTWARE_NAME,
        "software_version": SOFTWARE_VERSION,
        "test_keys": test_keys,
        "test_name": test_name,
        "test_runtime": round(time.time() - started, 6),
        "test_start_time": ooni_time(started),
        "test_version": test_version,
    }


def baseline_seconds(ctx: ProbeContext) -> float | None:
    """Time to fetch the baseline site now, or None (no baseline set, or it failed)."""
    if not ctx.baseline_url:
        return None
    result = http_get(ctx.baseline_url, ctx.net, Trace())
    return result.seconds if result.failure is None else None


def is_throttled(seconds: float, baseline: float | None, ctx: ProbeContext) -> bool:
    """Much slower than the baseline site on the same network (both succeeded)."""
    if baseline is None:
        return False
    return seconds >= ctx.throttle_factor * baseline and seconds - baseline >= ctx.throttle_min_seconds
