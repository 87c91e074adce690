"""Service-reachability measurements in OONI's data format (contract 3.5), as the store keeps them.

A :class:`MeasurementRow` is the indexed envelope of one OONI measurement (who, where, when, which
test) plus netvigil's verdict of it and, optionally, the raw measurement as JSON text, so a better
classifier can re-run over old data. ``received_at`` is when the observatory got it: the gap to
``measurement_start_time`` is the upload delay, itself a sign of a censored network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

OONI_TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
_UID_TIME: Final = re.compile(r"^(\d{8})(\d{6})\.\d+_")


def ooni_time(ts: float) -> str:
    """Unix seconds as OONI writes times: ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    return datetime.fromtimestamp(ts, UTC).strftime(OONI_TIME_FORMAT)


def received_time_of_uid(uid: object) -> int | None:
    """When OONI's collector received a measurement, read from its ``measurement_uid`` prefix.

    ``None`` when there is no such prefix or it is not a real time (a month 13 is not one).
    """
    match = _UID_TIME.match(uid) if isinstance(uid, str) else None
    if match is None:
        return None
    day, clock = match.groups()
    try:
        moment = datetime.strptime(day + clock, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(moment.timestamp())


Verdict = Literal["ok", "anomaly", "confirmed", "failure"]
VERDICTS: Final[tuple[Verdict, ...]] = ("ok", "anomaly", "confirmed", "failure")
BlockingType = Literal["dns", "tcp_ip", "tls", "http-failure", "http-diff", "throttling"]
BLOCKING_TYPES: Final[tuple[BlockingType, ...]] = (
    "dns",
    "tcp_ip",
    "tls",
    "http-failure",
    "http-diff",
    "throttling",
)


@dataclass(frozen=True, slots=True)
class MeasurementRow:
    """One stored measurement: ``id`` is OONI's ``measurement_uid`` or a hash of report, input and time.

    Times are Unix seconds (UTC). ``probe_asn`` keeps OONI's spelling (``AS29355``). ``body`` is the
    whole measurement as JSON text, or ``None`` when only the envelope and verdict were kept.
    ``probe_region`` is the ISO 3166-2 region the measurement was placed in (its vantage point's
    declared region, or its coordinates); ``None`` for measurements that carry only country and
    network, as OONI's own do.
    """

    id: str
    measurement_uid: str | None
    report_id: str
    test_name: str
    test_version: str
    probe_cc: str
    probe_asn: str
    input: str | None
    measurement_start_time: int
    received_at: int
    verdict: Verdict
    blocking_type: BlockingType | None
    failure: str | None
    reason: str
    source: str
    body: str | None
    probe_region: str | None = None


@dataclass(frozen=True, slots=True)
class MeasurementQuery:
    """Which measurements to list; each field narrows, ``None`` does not. Times are Unix seconds."""

    probe_cc: str | None = None
    probe_asn: str | None = None
    test_name: str | None = None
    since: int | None = None
    until: int | None = None
    limit: int = 100
    probe_region: str | None = None


@dataclass(frozen=True, slots=True)
class ReachabilityCount:
    """Tests of one service from one network (and region, when placed) in one bin: how many succeeded."""

    bin_start: int
    test_name: str
    probe_cc: str
    probe_asn: str
    ok: int
    total: int
    throttled: int = 0
    probe_region: str | None = None


ANNOTATION_PREFIX: Final = "x_netvigil_"
"""OONI lets a probe add its own ``annotations`` (string → string); netvigil's start with this."""
VANTAGE_KEYS: Final = ("vantage", "region", "network", "lat", "lon")
"""The vantage-point annotations, each written as ``x_netvigil_<key>``."""


@dataclass(frozen=True, slots=True)
class VantagePoint:
    """Where an own probe stands: a name, its ISO 3166-2 region, its network, its coordinates.

    Any part may be unknown. ``network`` is the probe's ASN in OONI's spelling (``AS29355``).
    """

    name: str | None = None
    region: str | None = None
    network: str | None = None
    lat: float | None = None
    lon: float | None = None

    def annotations(self) -> dict[str, str]:
        """The known parts as OONI annotations (all values are strings, as OONI's are)."""
        values = {
            "vantage": self.name,
            "region": self.region,
            "network": self.network,
            "lat": None if self.lat is None else f"{self.lat:.4f}",
            "lon": None if self.lon is None else f"{self.lon:.4f}",
        }
        return {f"{ANNOTATION_PREFIX}{k}": v for k, v in values.items() if v is not None}


NOWHERE: Final = VantagePoint()
"""The vantage point of a measurement that declares none."""


def vantage_of(annotations: object) -> VantagePoint:
    """The vantage point a measurement's ``annotations`` declare (empty when they declare none).

    Values that are not what they should be (a latitude that is not a number) are left out: a
    measurement is placed by what it says reliably, never guessed.
    """
    if not isinstance(annotations, Mapping):
        return NOWHERE
    ours = [k for k in annotations if isinstance(k, str) and k.startswith(ANNOTATION_PREFIX)]
    if not ours:  # OONI's own: one pass over the keys (a lazy parser's miss on .get costs far more)
        return NOWHERE
    found = {k.removeprefix(ANNOTATION_PREFIX): annotations[k] for k in ours}
    text = {k: _stripped(found.get(k)) for k in VANTAGE_KEYS}
    lat, lon = _degrees(text["lat"], 90), _degrees(text["lon"], 180)
    return VantagePoint(text["vantage"], text["region"], text["network"], lat, lon)


def _stripped(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _degrees(text: str | None, bound: float) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and -bound <= value <= bound else None
