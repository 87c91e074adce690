"""The ``reach run`` service: rounds of reachability tests whose measurements are kept and uploaded.

A round runs every selected test once (web_connectivity once per URL) and hands its OONI-format
measurements on, in this order: to the caller (``on_round``, which shows them), to the disk queue
(:class:`~netvigil.probe.reachability.uploader.DiskQueue`), appended to a JSONL file, and into a
local store. As a service (``every`` seconds apart) rounds repeat until ``runs`` rounds are done,
:meth:`ReachService.stop` is called or Ctrl-C, while a background thread drains the queue to the
observatory with backoff. At the end the queue is drained once more, for at most a minute; what is
still queued stays on disk for ``netvigil reach upload``.

The settings file, URL list and test list are read here too, so the command line only names them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from netvigil.geo.entities import default_registry
from netvigil.geo.places import region_of_point
from netvigil.model.errors import InputError, reading
from netvigil.model.measurements import VantagePoint
from netvigil.pipeline.measurements import measurement_line, submit_measurements
from netvigil.probe.reachability import TESTS, URL_TESTS, canonical
from netvigil.probe.reachability.base import ProbeContext
from netvigil.probe.reachability.netx import NetConfig
from netvigil.probe.reachability.uploader import DiskQueue, UploadConfig, drain
from netvigil.store import open_store

CONFIG_KEYS: Final = {
    "resolver", "ca_bundle", "timeout", "probe_cc", "probe_asn", "control_url", "baseline_url",
    "throttle_factor", "throttle_min_seconds", "endpoints", "allowed_networks", "vantage",
}  # fmt: skip
VANTAGE_FIELDS: Final = ("name", "region", "network", "lat", "lon")
"""Keys of a vantage-point file (or of the ``vantage`` setting); every one is optional."""
UPLOAD_EVERY: Final = 5.0
"""Seconds the background uploader waits between drains."""
UPLOAD_PATIENCE: Final = 30.0
"""Seconds one background drain may take."""
FINAL_PATIENCE: Final = 60.0
"""Seconds the last drain, after the rounds, may take."""

Measurement = dict[str, Any]
OnRound = Callable[[list[Measurement]], None]
OnWarning = Callable[[str], None]


def _json_object(path: Path, what: str, known: Sequence[str] | frozenset[str] | set[str]) -> dict[str, Any]:
    """A JSON file holding one object whose keys are all ``known``; bad content raises InputError."""
    try:
        with reading(path):
            data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=str(path), line=exc.lineno) from exc
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object of {what}", path=str(path))
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InputError(f"unknown {what} {', '.join(unknown)}; known: {sorted(known)}", path=str(path))
    return data


def load_config(path: Path | None) -> dict[str, Any]:
    """The JSON settings file (keys in :data:`CONFIG_KEYS`); bad content raises InputError."""
    return {} if path is None else _json_object(path, "setting(s)", CONFIG_KEYS)


def load_vantage(path: Path | None) -> dict[str, Any]:
    """A vantage-point file: a JSON object of :data:`VANTAGE_FIELDS`, e.g.

    ``{"name": "almaty-1", "region": "KZ-75", "network": "AS29355", "lat": 43.24, "lon": 76.89}``
    """
    return {} if path is None else _json_object(path, "vantage field(s)", VANTAGE_FIELDS)


def vantage_point(fields: Mapping[str, Any]) -> VantagePoint:
    """The vantage point of a file's or setting's fields, checked: a bad region or coordinate raises.

    Without a region but with coordinates, the region is where the coordinates lie (if the
    centroid table can say); a region and coordinates that disagree are both kept as given.
    """
    region = fields.get("region")
    if region is not None:
        region = default_registry().get(f"region:{str(region).upper()}").id.code
    lat, lon = (_coordinate(fields, key, bound) for key, bound in (("lat", 90.0), ("lon", 180.0)))
    if (lat is None) != (lon is None):
        raise InputError("a vantage point's coordinates need both lat and lon")
    if region is None and lat is not None and lon is not None:
        region = region_of_point(lat, lon)
    network = fields.get("network")
    name = fields.get("name")
    return VantagePoint(
        str(name) if name is not None else None,
        region,
        _asn_spelling(network) if network is not None else None,
        lat,
        lon,
    )


def _coordinate(fields: Mapping[str, Any], key: str, bound: float) -> float | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not -bound <= value <= bound:
        raise InputError(f"vantage {key} must be a number from {-bound:g} to {bound:g}, got {value!r}")
    return float(value)


def _asn_spelling(network: object) -> str:
    """``29355``, ``"AS29355"`` or ``"as29355"`` → ``AS29355`` (OONI's spelling)."""
    text = str(network).upper().removeprefix("AS")
    if not text.isdigit():
        raise InputError(f"vantage network must be an ASN such as AS29355, got {network!r}")
    return f"AS{int(text)}"


def make_context(settings: dict[str, Any]) -> ProbeContext:
    """The probe context from merged settings.

    A vantage point (setting ``vantage``) fills in ``probe_cc`` from its region and ``probe_asn``
    from its network when those are not set themselves.
    """
    vantage = vantage_point(settings.get("vantage") or {})
    if vantage.region and "probe_cc" not in settings:
        settings = {**settings, "probe_cc": vantage.region[:2]}
    if vantage.network and "probe_asn" not in settings:
        settings = {**settings, "probe_asn": vantage.network}
    net = NetConfig(
        resolver=settings.get("resolver"),
        ca_bundle=settings.get("ca_bundle"),
        timeout=float(settings.get("timeout", 10.0)),
        allowed_networks=tuple(settings.get("allowed_networks") or ()),
    )
    return ProbeContext(
        net=net,
        probe_cc=str(settings.get("probe_cc", "ZZ")).upper(),
        probe_asn=str(settings.get("probe_asn", "AS0")).upper(),
        control_url=settings.get("control_url"),
        baseline_url=settings.get("baseline_url"),
        throttle_factor=float(settings.get("throttle_factor", 3.0)),
        throttle_min_seconds=float(settings.get("throttle_min_seconds", 0.5)),
        endpoints=settings.get("endpoints") or {},
        vantage=vantage,
    )


def read_urls(path: Path | None) -> list[str]:
    """One URL per line; blank lines and ``#`` comments skipped; a non-URL line raises InputError."""
    if path is None:
        return []
    urls: list[str] = []
    with reading(path):
        lines = path.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not text.startswith(("http://", "https://")):
            raise InputError(
                f"expected an http:// or https:// URL, got {text!r}", path=str(path), line=number
            )
        urls.append(text)
    return urls


def parse_tests(text: str, urls: Sequence[str]) -> list[str]:
    """OONI's names of the comma-separated tests (aliases allowed); web tests need URLs."""
    names = [canonical(raw.strip()) for raw in text.split(",")]
    if any(n in URL_TESTS for n in names) and not urls:
        raise InputError("web_connectivity needs --urls FILE (one URL per line)")
    return names


def run_once(tests: Sequence[str], urls: Sequence[str], ctx: ProbeContext) -> list[Measurement]:
    """Run each selected test once (web_connectivity once per URL)."""
    out: list[Measurement] = []
    for name in tests:
        if name in URL_TESTS:
            out.extend(URL_TESTS[name](url, ctx) for url in urls)
        else:
            out.append(TESTS[name](ctx))
    return out


@dataclass(frozen=True, slots=True)
class ReachPlan:
    """What the service runs and where its measurements go.

    ``every`` makes it a service (seconds between round starts); ``runs`` bounds the rounds (0:
    no bound). ``upload`` needs ``queue``: measurements wait there until the observatory has them.
    """

    tests: Sequence[str]
    urls: Sequence[str]
    context: ProbeContext
    output: Path | None = None
    queue: Path | None = None
    upload: UploadConfig | None = None
    db: str | Path | None = None
    every: float | None = None
    runs: int = 0

    def __post_init__(self) -> None:
        if self.upload is not None and self.queue is None:
            raise InputError("--upload needs --queue DIR (measurements wait there until uploaded)")

    @property
    def keeps_measurements(self) -> bool:
        """Whether measurements go anywhere (file, queue, store); if not, the caller should print them."""
        return self.output is not None or self.queue is not None or self.db is not None


@dataclass(frozen=True, slots=True)
class ServiceReport:
    """What a run did: rounds run, measurements uploaded, and how many still wait in the queue."""

    rounds: int
    uploaded: int
    queued: int


class ReachService:
    """Rounds of tests on a schedule, with a background uploader; :meth:`run` blocks until done."""

    def __init__(self, plan: ReachPlan, on_round: OnRound, on_warning: OnWarning) -> None:
        self.plan = plan
        self.on_round = on_round
        self.on_warning = on_warning
        self.queue = DiskQueue(plan.queue) if plan.queue is not None else None
        self._stop = threading.Event()
        self._uploaded = 0
        self._count_lock = threading.Lock()

    def stop(self) -> None:
        """End the rounds (the one in progress finishes); the final upload still runs."""
        self._stop.set()

    def run(self) -> ServiceReport:
        """Run the rounds, then drain the queue once more; Ctrl-C ends the rounds, not the upload."""
        uploader = self._start_uploader() if self.plan.upload and self.plan.every else None
        rounds = 0
        try:
            while True:
                self.keep(run_once(self.plan.tests, self.plan.urls, self.plan.context))
                rounds += 1
                if self._last_round(rounds):
                    break
        except KeyboardInterrupt:
            pass
        finally:
            self._stop.set()
            if uploader is not None:
                uploader.join(timeout=5)
        self._drain(FINAL_PATIENCE)
        return ServiceReport(rounds, self._uploaded, len(self.queue) if self.queue is not None else 0)

    def _last_round(self, rounds: int) -> bool:
        every = self.plan.every
        return every is None or rounds == self.plan.runs or self._stop.wait(every)

    def keep(self, measurements: list[Measurement]) -> None:
        """Hand one round's measurements on: caller, queue, JSONL file, local store."""
        self.on_round(measurements)
        if self.queue is not None:
            for msm in measurements:
                self.queue.put(msm)
        if self.plan.output is not None:
            with open(self.plan.output, "a", encoding="utf-8") as handle:
                handle.writelines(measurement_line(msm) for msm in measurements)
        if self.plan.db is not None:
            with open_store(self.plan.db) as store:
                submit_measurements(store, measurements, int(time.time()), source="probe")

    def _drain(self, patience: float) -> None:
        if self.queue is None or self.plan.upload is None:
            return
        sent = drain(
            self.queue, self.plan.upload, deadline=time.monotonic() + patience, on_event=self.on_warning
        )
        with self._count_lock:
            self._uploaded += sent

    def _start_uploader(self) -> threading.Thread:
        def loop() -> None:
            while not self._stop.is_set():
                self._drain(UPLOAD_PATIENCE)
                self._stop.wait(UPLOAD_EVERY)

        thread = threading.Thread(target=loop, name="uploader", daemon=True)
        thread.start()
        return thread
