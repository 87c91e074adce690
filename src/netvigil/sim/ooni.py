"""Simulated OONI measurements from a scenario's ground truth, in OONI's data format.

For replays (the Kazakhstan demo) and tests: each test of each network succeeds with the
probability the :class:`~netvigil.model.timeline.Timeline` gives for that service there and then.
A failing test fails the way the scenario suggests: with a timeout when the network itself is
down (connectivity below half), with a TLS reset on the service's name otherwise (SNI filtering,
what Kazakh ISPs used). Measurements made while the network was down reach the observatory only
when it is back: their ``measurement_uid`` carries that later receive time, as OONI's does.
:func:`write_measurements` writes them as the JSONL file OONI's archive would hold.

The replay's own probes (:data:`~netvigil.sim.kazakhstan.VANTAGE_POINTS`) are simulated the same
way from their region's timeline, and their measurements carry their vantage point as
``x_netvigil_`` annotations (:func:`write_vantage_measurements`), as ``netvigil reach run --region``
writes them: they are what lets the observatory see a service degraded in one city.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

from netvigil.model.measurements import VantagePoint
from netvigil.model.timeline import Timeline
from netvigil.sim import kazakhstan
from netvigil.sources.ooni import ooni_time

SERVICE_OF: Final[dict[str, str]] = {
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "signal": "signal",
    "web_connectivity": "web",
}
WEB_URLS: Final = ("https://www.facebook.com/", "https://www.youtube.com/", "https://tengrinews.kz/")
TELEGRAM_DCS: Final = ("149.154.175.50", "149.154.167.51", "149.154.175.100", "149.154.167.91")
SOFTWARE: Final = {"software_name": "netvigil-sim", "software_version": "0.1.0"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one simulated test went: ``None`` failure is success, else the OONI failure string."""

    failure: str | None
    operation: str | None


def _outcome(rng: random.Random, p_ok: float, connectivity: float) -> Outcome:
    if rng.random() < p_ok:
        return Outcome(None, None)
    if connectivity < 0.5:
        return Outcome("generic_timeout_error", "connect")
    return Outcome("connection_reset", "tls_handshake")


def _tcp(ips: tuple[str, ...], port: int, failure: str | None) -> list[dict[str, Any]]:
    return [
        {"ip": ip, "port": port, "status": {"success": failure is None, "failure": failure}} for ip in ips
    ]


def _request(url: str, failure: str | None) -> dict[str, Any]:
    response = None if failure else {"code": 200, "body": "", "headers": {}}
    return {"request": {"url": url, "method": "GET"}, "response": response, "failure": failure}


def whatsapp_keys(out: Outcome) -> dict[str, Any]:
    """test_keys of OONI's whatsapp test (ts-018) for one outcome."""
    status = "ok" if out.failure is None else "blocked"
    tcp_failure = out.failure if out.operation == "connect" else None
    return {
        "requests": [
            _request("https://web.whatsapp.com/", out.failure),
            _request("https://v.whatsapp.net/v2/register", out.failure),
        ],
        "tcp_connect": _tcp(("157.240.1.53", "157.240.2.53"), 443, tcp_failure),
        "registration_server_failure": out.failure,
        "registration_server_status": status,
        "whatsapp_endpoints_status": "blocked" if tcp_failure else "ok",
        "whatsapp_web_failure": out.failure,
        "whatsapp_web_status": status,
        "whatsapp_endpoints_blocked": [],
        "whatsapp_endpoints_dns_inconsistent": [],
        "failed_operation": out.operation,
        "failure": out.failure,
    }


def telegram_keys(out: Outcome) -> dict[str, Any]:
    """test_keys of OONI's telegram test (ts-020): data centres over TCP and HTTP, plus web."""
    tcp_failure = out.failure if out.operation == "connect" else None
    http_failure = out.failure
    return {
        "tcp_connect": _tcp(TELEGRAM_DCS, 443, tcp_failure),
        "requests": [_request(f"http://{ip}:443/", http_failure) for ip in TELEGRAM_DCS]
        + [_request("https://web.telegram.org/", out.failure)],
        "telegram_tcp_blocking": tcp_failure is not None,
        "telegram_http_blocking": http_failure is not None,
        "telegram_web_failure": out.failure,
        "telegram_web_status": "ok" if out.failure is None else "blocked",
    }


def signal_keys(out: Outcome) -> dict[str, Any]:
    """test_keys of OONI's signal test (ts-029)."""
    return {
        "signal_backend_status": "ok" if out.failure is None else "blocked",
        "signal_backend_failure": out.failure,
        "failed_operation": out.operation,
        "failure": out.failure,
        "requests": [_request("https://textsecure-service.whispersystems.org/", out.failure)],
    }


def web_connectivity_keys(out: Outcome) -> dict[str, Any]:
    """test_keys of OONI's web_connectivity (ts-017), the probe's own analysis included."""
    blocked = out.failure is not None
    blocking: str | bool = False
    if blocked:
        blocking = "tcp_ip" if out.operation == "connect" else "http-failure"
    return {
        "accessible": not blocked,
        "blocking": blocking,
        "dns_experiment_failure": None,
        "http_experiment_failure": out.failure if out.operation != "connect" else None,
        "control_failure": None,
        "tcp_connect": _tcp(("192.0.2.10",), 443, out.failure if out.operation == "connect" else None),
        "queries": [],
        "requests": [],
        "dns_consistency": "consistent",
        "title_match": None if blocked else True,
    }


KEYS_OF: Final = {
    "whatsapp": whatsapp_keys,
    "telegram": telegram_keys,
    "signal": signal_keys,
    "web_connectivity": web_connectivity_keys,
}
VERSION_OF: Final = {
    "whatsapp": "0.11.0",
    "telegram": "0.3.0",
    "signal": "0.2.5",
    "web_connectivity": "0.4.3",
}


@dataclass(frozen=True, slots=True)
class _Hourly:
    """The timeline sampled once per hour per network.

    The Timeline protocol is scalar, so sampling it for every simulated test would dominate the run.
    """

    first_hour: int
    connectivity: list[float]
    service: dict[str, list[float]]
    back_up: list[int]

    @classmethod
    def sample(cls, timeline: Timeline, entity: str, start: int, end: int) -> _Hourly:
        hours = list(range(start - start % 3600, end, 3600))
        connectivity = [timeline.connectivity(entity, h) for h in hours]
        service = {s: [timeline.service(s, entity, h) for h in hours] for s in set(SERVICE_OF.values())}
        back_up = [0] * len(hours)
        upcoming = end + 86_400
        for i in range(len(hours) - 1, -1, -1):
            upcoming = hours[i] if connectivity[i] >= 0.5 else upcoming
            back_up[i] = upcoming
        return cls(hours[0], connectivity, service, back_up)

    def index(self, t: int) -> int:
        return min((t - self.first_hour) // 3600, len(self.connectivity) - 1)


def envelope(test: str, cc: str, asn: int, t: int, received: int, rng: random.Random) -> dict[str, Any]:
    """The OONI envelope of one simulated measurement (ids made from the seeded generator)."""
    stamp = ooni_time(t).replace("-", "").replace(":", "").replace(" ", "T") + "Z"
    tag = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
    got = ooni_time(received).replace("-", "").replace(":", "").replace(" ", "")
    return {
        "measurement_uid": f"{got}.{rng.randrange(10**6):06d}_{cc}_{test.replace('_', '')}_{tag}",
        "report_id": f"{stamp}_{test.replace('_', '')}_{cc}_{asn}_n1_{tag}",
        "test_name": test,
        "test_version": VERSION_OF[test],
        "probe_cc": cc,
        "probe_asn": f"AS{asn}",
        "measurement_start_time": ooni_time(t),
        "test_start_time": ooni_time(t),
        "data_format_version": "0.2.0",
        "annotations": {"engine_name": "netvigil", "engine_version": "0.1.0", "platform": "linux"},
        **SOFTWARE,
    }


def _measured(
    rng: random.Random, sampled: _Hourly, test: str, at: int, country: str, asn: int
) -> dict[str, Any]:
    """One measurement of ``test`` taken at ``at``, failing as the sampled truth says, and its upload."""
    i = sampled.index(at)
    out = _outcome(rng, sampled.service[SERVICE_OF[test]][i], sampled.connectivity[i])
    received = max(at + 60, sampled.back_up[i] + rng.randrange(600))
    msm = envelope(test, country, asn, at, received, rng)
    msm["input"] = None  # the caller may name one; the key keeps OONI's place, before test_keys
    msm["test_keys"] = KEYS_OF[test](out)
    return msm


def simulate(
    timeline: Timeline,
    country: str,
    asns: list[int],
    *,
    start: int,
    end: int,
    per_hour: int = 4,
    seed: int = 0,
) -> Iterator[dict[str, Any]]:
    """OONI-format measurements of the four tests from each network, ``per_hour`` of each per hour."""
    rng = random.Random(seed)
    spacing = 3600 // per_hour
    hourly = {asn: _Hourly.sample(timeline, f"asn:{asn}", start, end) for asn in asns}
    for t in range(start - start % spacing, end, spacing):
        for asn in asns:
            sampled = hourly[asn]
            for test in SERVICE_OF:
                msm = _measured(rng, sampled, test, t + rng.randrange(spacing), country, asn)
                msm["input"] = rng.choice(WEB_URLS) if test == "web_connectivity" else None
                yield msm


VANTAGE_TESTS: Final = ("whatsapp", "telegram", "signal")


def simulate_vantage_points(
    timeline: Timeline,
    vantages: tuple[kazakhstan.Vantage, ...],
    *,
    start: int,
    end: int,
    per_hour: int = 4,
    seed: int = 0,
) -> Iterator[dict[str, Any]]:
    """Measurements of the messenger tests from each vantage point, by its region's timeline."""
    rng = random.Random(seed)
    spacing = 3600 // per_hour
    hourly = {v.region: _Hourly.sample(timeline, f"region:{v.region}", start, end) for v in vantages}
    for t in range(start - start % spacing, end, spacing):
        for vantage in vantages:
            sampled = hourly[vantage.region]
            place = VantagePoint(vantage.name, vantage.region, f"AS{vantage.asn}", vantage.lat, vantage.lon)
            for test in VANTAGE_TESTS:
                at = t + rng.randrange(spacing)
                msm = _measured(rng, sampled, test, at, kazakhstan.COUNTRY, vantage.asn)
                msm["annotations"] = {**msm["annotations"], **place.annotations()}
                yield msm


def write_vantage_measurements(timeline: Timeline, workdir: Path, seed: int = 0, per_hour: int = 2) -> Path:
    """Simulate the Kazakhstan replay's own probes into a JSONL file in ``workdir``.

    Two rounds an hour each (OONI's simulated networks run four): a few probes in a few cities
    should not outweigh a whole network's tests in its country and network series.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"vantage-sim-{kazakhstan.COUNTRY}-{seed}.jsonl.gz"
    start = max(kazakhstan.START, timeline.start)
    end = min(kazakhstan.END, timeline.end)
    found = simulate_vantage_points(
        timeline, kazakhstan.VANTAGE_POINTS, start=start, end=end, per_hour=per_hour, seed=seed
    )
    with gzip.open(path, "wb", compresslevel=1) as out:
        for msm in found:
            out.write(orjson.dumps(msm) + b"\n")
    return path


def _asns(timeline: Timeline) -> list[int]:
    """The networks the timeline models, or the Kazakh operators when it models none."""
    found = [int(e.split(":", 1)[1]) for e in timeline.entities() if e.startswith("asn:")]
    return found or list(kazakhstan.ASNS)


def write_measurements(
    timeline: Timeline,
    workdir: Path,
    seed: int = 0,
    *,
    country: str = kazakhstan.COUNTRY,
    window: tuple[int, int] = (kazakhstan.START, kazakhstan.END),
    per_hour: int = 4,
) -> Path:
    """Simulate OONI measurements of ``timeline`` over ``window`` into a JSONL file in ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"ooni-sim-{country}-{seed}.jsonl.gz"
    start, end = max(window[0], timeline.start), min(window[1], timeline.end)
    with gzip.open(path, "wb", compresslevel=1) as out:
        for msm in simulate(
            timeline, country, _asns(timeline), start=start, end=end, per_hour=per_hour, seed=seed
        ):
            out.write(orjson.dumps(msm) + b"\n")
    return path
