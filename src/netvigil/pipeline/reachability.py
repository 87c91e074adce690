"""The ``reachability`` and ``throttled`` signals, recomputed from the stored measurements.

For each time bin, service and network: the share of tests that were ``ok`` among those that ran
(``failure`` verdicts — broken measurements — are left out of both counts), and the share that saw
throttling. Entities are ``service:<name>@country:<CC>``, ``service:<name>@asn:<N>`` and, for
measurements placed in a region (a vantage point's declared region or coordinates, see
:func:`netvigil.geo.places.region_of_measurement`), ``service:<name>@region:<CC-XX>`` (contract 3.1).
OONI's own measurements carry only country and network, so they count for those two only.
Recomputing a bin from the whole table makes it idempotent: importing or submitting the same
measurements again, or late ones, gives the right shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Final

from netvigil.model.measurements import ReachabilityCount
from netvigil.model.signals import SignalPoint
from netvigil.store.protocol import Store

SERVICE_OF_TEST: Final[dict[str, str]] = {
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "signal": "signal",
    "facebook_messenger": "facebook_messenger",
    "web_connectivity": "web",
    "tor": "tor",
    "vanilla_tor": "tor",
    "torsf": "tor_snowflake",
    "psiphon": "psiphon",
    "openvpn": "openvpn",
}
"""OONI test → the service its reachability speaks of. Tor and the VPN tests count: in a shutdown
they are how people get around the block. riseupvpn is left out (OONI stopped scoring it)."""
DEFAULT_STEP: Final = 3600
ELSEWHERE: Final = "reachability_elsewhere"
"""A region's companion signal: the reachability of the same service in the rest of its country."""


def reachability_points(counts: Iterable[ReachabilityCount], min_tests: int = 1) -> list[SignalPoint]:
    """Aggregate per-network counts to (service, country), (service, ASN) and (service, region) shares.

    Two signals per bin and entity: ``reachability`` (share of tests that were ok) and ``throttled``
    (share of tests that saw throttling); bins with fewer than ``min_tests`` tests are left out.
    A region's entity has a third, ``reachability_elsewhere``: the share of ok tests in the rest of
    its country in that bin (the country's tests minus the region's), which the service detector
    compares the region with; it is left out when the rest of the country ran no test.
    """
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in counts:
        service = SERVICE_OF_TEST.get(c.test_name)
        if service is None:
            continue
        asn = c.probe_asn[2:] if c.probe_asn.upper().startswith("AS") else c.probe_asn
        for scope in _scopes_of(c.probe_cc, asn, c.probe_region):
            acc = sums[(c.bin_start, f"service:{service}@{scope}")]
            acc[0] += c.ok
            acc[1] += c.total
            acc[2] += c.throttled
    points: list[SignalPoint] = []
    for (t, entity), (ok, total, throttled) in sorted(sums.items()):
        if total >= min_tests:
            points.append(SignalPoint(t, entity, "reachability", ok / total, "ooni"))
            points.append(SignalPoint(t, entity, "throttled", throttled / total, "ooni"))
            points.extend(_elsewhere(sums, t, entity, ok, total))
    return points


def _elsewhere(
    sums: dict[tuple[int, str], list[int]], t: int, entity: str, ok: int, total: int
) -> list[SignalPoint]:
    """The rest-of-country share beside a region's (nothing for other entities)."""
    head, _, scope = entity.partition("@")
    if not scope.startswith("region:"):
        return []
    whole = sums.get((t, f"{head}@country:{scope.removeprefix('region:')[:2]}"))
    if whole is None or whole[1] <= total:
        return []
    return [SignalPoint(t, entity, ELSEWHERE, (whole[0] - ok) / (whole[1] - total), "ooni")]


def _scopes_of(cc: str, asn: str, region: str | None) -> tuple[str, ...]:
    """Where a count's tests were taken: its country, its network and, when placed, its region."""
    places = (f"country:{cc}", f"asn:{asn}")
    return (*places, f"region:{region}") if region else places


def refresh_reachability(store: Store, since: int, until: int, step: int = DEFAULT_STEP) -> int:
    """Recompute the reachability signal for every bin overlapping ``[since, until)``; returns points."""
    start = since - since % step
    end = until if until % step == 0 else until + step - until % step
    points = reachability_points(store.measurements.reachability_counts(start, end, step))
    return store.write_signals(points) if points else 0
