"""Service-reachability measurements in OONI's data format (contract 3.5), as the store keeps them.

A :class:`MeasurementRow` is the indexed envelope of one OONI measurement (who, where, when, which
test) plus netvigil's verdict of it and, optionally, the raw measurement as JSON text, so a better
classifier can re-run over old data. ``received_at`` is when the observatory got it: the gap to
``measurement_start_time`` is the upload delay, itself a sign of a censored network.
"""

from __future__ import annotations

import re
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


@dataclass(frozen=True, slots=True)
class MeasurementQuery:
    """Which measurements to list; each field narrows, ``None`` does not. Times are Unix seconds."""

    probe_cc: str | None = None
    probe_asn: str | None = None
    test_name: str | None = None
    since: int | None = None
    until: int | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class ReachabilityCount:
    """Tests of one service from one network in one time bin: how many succeeded, of how many."""

    bin_start: int
    test_name: str
    probe_cc: str
    probe_asn: str
    ok: int
    total: int
    throttled: int = 0
