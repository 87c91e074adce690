"""``netvigil reach …``: run service-reachability tests (OONI format) and upload them."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from netvigil.cli.common import DbOption, console, err_console, handles_errors
from netvigil.detect.ooni import classify
from netvigil.model.errors import InputError, reading
from netvigil.pipeline.measurements import submit_measurements
from netvigil.probe.reachability import TESTS, URL_TESTS, canonical, test_names
from netvigil.probe.reachability.base import ProbeContext
from netvigil.probe.reachability.netx import NetConfig
from netvigil.probe.reachability.uploader import DiskQueue, UploadConfig, drain
from netvigil.store import open_store

app = typer.Typer(
    help=(
        "Service reachability tests that write OONI-format measurements: web_connectivity (alias "
        "web), whatsapp, telegram, signal.\n\n"
        "Example: netvigil reach run --tests whatsapp,telegram,web --urls urls.txt --output out.jsonl"
    ),
    no_args_is_help=True,
)
CONFIG_KEYS = {
    "resolver", "ca_bundle", "timeout", "probe_cc", "probe_asn", "control_url", "baseline_url",
    "throttle_factor", "throttle_min_seconds", "endpoints", "allowed_networks",
}  # fmt: skip


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


def run_once(tests: list[str], urls: list[str], ctx: ProbeContext) -> list[dict[str, Any]]:
    """Run each selected test once (web_connectivity once per URL)."""
    out: list[dict[str, Any]] = []
    for name in tests:
        if name in URL_TESTS:
            out.extend(URL_TESTS[name](url, ctx) for url in urls)
        else:
            out.append(TESTS[name](ctx))
    return out


def _parse_tests(text: str, urls: list[str]) -> list[str]:
    names = [canonical(raw.strip()) for raw in text.split(",")]
    if any(n in URL_TESTS for n in names) and not urls:
        raise InputError("web_connectivity needs --urls FILE (one URL per line)")
    return names


@app.command("run")
@handles_errors
def run(
    tests: Annotated[str, typer.Option(help="Comma-separated tests: whatsapp, telegram, signal, web.")] = (
        "whatsapp,telegram,signal"
    ),
    urls: Annotated[
        Path | None, typer.Option(help="File of URLs for web_connectivity, one per line.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="JSON settings: resolver, endpoints, control_url, …")
    ] = None,
    control: Annotated[str | None, typer.Option(help="Control server URL (netvigil control serve).")] = None,
    resolver: Annotated[str | None, typer.Option(help="DNS resolver IP[:port] (default: system).")] = None,
    cc: Annotated[str | None, typer.Option(help="probe_cc to write, e.g. KZ.")] = None,
    asn: Annotated[str | None, typer.Option(help="probe_asn to write, e.g. AS29355.")] = None,
    output: Annotated[Path | None, typer.Option(help="Append measurements to this JSONL file.")] = None,
    queue: Annotated[Path | None, typer.Option(help="Also queue measurements here for upload.")] = None,
    upload: Annotated[str | None, typer.Option(help="Observatory base URL to upload the queue to.")] = None,
    token: Annotated[
        str | None, typer.Option(envvar="NETVIGIL_TOKEN", help="Bearer token for upload.")
    ] = None,
    every: Annotated[float | None, typer.Option(help="Run as a service: repeat every N seconds.")] = None,
    runs: Annotated[int, typer.Option(help="With --every: stop after this many rounds (0: never).")] = 0,
    db: DbOption = None,
    store_local: Annotated[bool, typer.Option("--store", help="Also store measurements in --db.")] = False,
) -> None:
    """Run reachability tests; print one verdict per measurement.

    Measurements are OONI's data format. With --queue they are kept on disk until uploaded (--upload
    URL, retried with backoff), so nothing is lost while the network is down. With --every the
    probe runs as a service: tests repeat, and a background uploader drains the queue.

    Example: netvigil reach run --tests web,whatsapp --urls urls.txt --control http://ctl:8080/
    """
    settings = load_config(config)
    for key, value in (
        ("control_url", control),
        ("resolver", resolver),
        ("probe_cc", cc),
        ("probe_asn", asn),
    ):
        if value is not None:
            settings[key] = value
    url_list = read_urls(urls)
    names = _parse_tests(tests, url_list)
    ctx = make_context(settings)
    disk = DiskQueue(queue) if queue else None
    if upload and disk is None:
        raise InputError("--upload needs --queue DIR (measurements wait there until uploaded)")
    stop = threading.Event()
    uploader = _start_uploader(disk, upload, token, stop) if upload and every else None
    rounds = 0
    try:
        while True:
            measurements = run_once(names, url_list, ctx)
            _emit(measurements, output, disk, db if store_local else None)
            rounds += 1
            if every is None or rounds == runs or stop.wait(every):
                break
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if uploader:
            uploader.join(timeout=5)
    if upload and disk is not None:
        drain(disk, UploadConfig(upload, token), deadline=time.monotonic() + 60, on_event=_warn)
        if len(disk):
            _warn(
                f"{len(disk)} measurement(s) stay queued in {queue}; netvigil reach upload sends them later"
            )


def _warn(message: str) -> None:
    err_console.print(f"[yellow]{message}[/]", highlight=False)


def _start_uploader(
    disk: DiskQueue | None, upload: str, token: str | None, stop: threading.Event
) -> threading.Thread:
    def loop() -> None:
        while not stop.is_set():
            if disk is not None:
                drain(disk, UploadConfig(upload, token), deadline=time.monotonic() + 30, on_event=_warn)
            stop.wait(5)

    thread = threading.Thread(target=loop, name="uploader", daemon=True)
    thread.start()
    return thread


def _emit(
    measurements: list[dict[str, Any]], output: Path | None, disk: DiskQueue | None, db: Path | None
) -> None:
    for msm in measurements:
        verdict = classify(msm)
        console.print(
            f"{msm['test_name']} {msm.get('input') or ''} → {verdict.verdict}"
            f"{' ' + verdict.blocking_type if verdict.blocking_type else ''}"
            f"{' (' + verdict.failure + ')' if verdict.failure else ''}",
            highlight=False,
            soft_wrap=True,
        )
        if disk is not None:
            disk.put(msm)
    if output is not None:
        with open(output, "a", encoding="utf-8") as handle:
            for msm in measurements:
                handle.write(json.dumps(msm) + "\n")
    elif disk is None and db is None:
        for msm in measurements:
            sys.stdout.write(json.dumps(msm) + "\n")
    if db is not None:
        with open_store(db) as store:
            submit_measurements(store, measurements, int(time.time()), source="probe")


@app.command("upload")
@handles_errors
def upload_queue(
    queue: Annotated[Path, typer.Option(help="Queue directory written by reach run --queue.")],
    to: Annotated[str, typer.Option(help="Observatory base URL, e.g. https://observatory.example")],
    token: Annotated[str | None, typer.Option(envvar="NETVIGIL_TOKEN", help="Bearer token.")] = None,
    max_seconds: Annotated[float, typer.Option(help="Give up after this long (queue kept).")] = 600.0,
    batch: Annotated[int, typer.Option(help="Measurements per POST.")] = 50,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each POST's answer.")] = 10.0,
) -> None:
    """Upload queued measurements, retrying with backoff until the queue is empty.

    Example: netvigil reach upload --queue ~/.local/share/netvigil/queue --to https://obs.example
    """
    disk = DiskQueue(queue)
    config = UploadConfig(to, token, batch=batch, timeout=timeout)
    sent = drain(disk, config, deadline=time.monotonic() + max_seconds, on_event=_warn)
    left = len(disk)
    console.print(f"uploaded {sent}, {left} still queued", highlight=False)
    if left:
        raise typer.Exit(1)


@app.command("tests")
def list_tests() -> None:
    """List the tests and their OONI names."""
    for name in test_names():
        console.print(name, highlight=False)
