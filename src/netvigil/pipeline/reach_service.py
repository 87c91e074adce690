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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from netvigil.model.errors import InputError, reading
from netvigil.pipeline.measurements import measurement_line, submit_measurements
from netvigil.probe.reachability import TESTS, URL_TESTS, canonical
from netvigil.probe.reachability.base import ProbeContext
from netvigil.probe.reachability.netx import NetConfig
from netvigil.probe.reachability.uploader import DiskQueue, UploadConfig, drain
from netvigil.store import open_store

CONFIG_KEYS: Final = {
    "resolver", "ca_bundle", "timeout", "probe_cc", "probe_asn", "control_url", "baseline_url",
    "throttle_factor", "throttle_min_seconds", "endpoints", "allowed_networks",
}  # fmt: skip
UPLOAD_EVERY: Final = 5.0
"""Seconds the background uploader waits between drains."""
UPLOAD_PATIENCE: Final = 30.0
"""Seconds one background drain may take."""
FINAL_PATIENCE: Final = 60.0
"""Seconds the last drain, after the rounds, may take."""

Measurement = dict[str, Any]
OnRound = Callable[[list[Measurement]], None]
OnWarning = Callable[[str], None]


def load_config(path: Path | None) -> dict[str, Any]:
    """The JSON settings file (keys in :data:`CONFIG_KEYS`); bad content raises InputError."""
    if path is None:
        return {}
    try:
        with reading(path):
            data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=str(path), line=exc.lineno) from exc
    if not isinstance(data, dict):
        raise InputError("expected a JSON object of settings", path=str(path))
    unknown = sorted(set(data) - CONFIG_KEYS)
    if unknown:
        raise InputError(
            f"unknown setting(s) {', '.join(unknown)}; known: {sorted(CONFIG_KEYS)}", path=str(path)
        )
    return data


def make_context(settings: dict[str, Any]) -> ProbeContext:
    """The probe context from merged settings."""
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
