"""``netvigil reach …``: run service-reachability tests (OONI format) and upload them.

The service loop lives in :mod:`netvigil.pipeline.reach_service`; this module reads the options
and shows each round.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from netvigil.cli.common import DbOption, console, err_console, handles_errors
from netvigil.detect.ooni import classify
from netvigil.pipeline.measurements import measurement_line
from netvigil.pipeline.reach_service import (
    ReachPlan,
    ReachService,
    load_config,
    load_vantage,
    make_context,
    parse_tests,
    read_urls,
)
from netvigil.probe.reachability import test_names
from netvigil.probe.reachability.uploader import DiskQueue, UploadConfig, drain

app = typer.Typer(
    help=(
        "Service reachability tests that write OONI-format measurements: web_connectivity (alias "
        "web), whatsapp, telegram, signal.\n\n"
        "Example: netvigil reach run --tests whatsapp,telegram,web --urls urls.txt --output out.jsonl"
    ),
    no_args_is_help=True,
)


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
    region: Annotated[
        str | None,
        typer.Option(help="Vantage point's ISO 3166-2 region, e.g. KZ-75 (written into each measurement)."),
    ] = None,
    vantage: Annotated[
        Path | None,
        typer.Option(help='Vantage-point JSON file: {"name", "region", "network", "lat", "lon"}.'),
    ] = None,
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

    Where the probe stands (--region, or --vantage FILE with region, network and coordinates) goes
    into every measurement as x_netvigil_ annotations, so the observatory scopes its services by
    region (service:whatsapp@region:KZ-75) as well as by country and network.

    Example: netvigil reach run --tests web,whatsapp --urls urls.txt --control http://ctl:8080/

    Example: netvigil reach run --tests whatsapp,telegram --region KZ-75 --asn AS29355
    """
    settings = load_config(config)
    place = {**(settings.get("vantage") or {}), **load_vantage(vantage)}
    if region is not None:
        place["region"] = region
    if place:
        settings["vantage"] = place
    for key, value in (
        ("control_url", control),
        ("resolver", resolver),
        ("probe_cc", cc),
        ("probe_asn", asn),
    ):
        if value is not None:
            settings[key] = value
    url_list = read_urls(urls)
    plan = ReachPlan(
        tests=parse_tests(tests, url_list),
        urls=url_list,
        context=make_context(settings),
        output=output,
        queue=queue,
        upload=UploadConfig(upload, token) if upload else None,
        db=db if store_local else None,
        every=every,
        runs=runs,
    )
    report = ReachService(plan, _shows_round(plan.keeps_measurements), _warn).run()
    if plan.upload is not None and report.queued:
        _warn(
            f"{report.queued} measurement(s) stay queued in {queue}; netvigil reach upload sends them later"
        )


def _warn(message: str) -> None:
    err_console.print(f"[yellow]{message}[/]", highlight=False)


def _verdict_line(msm: dict[str, Any]) -> str:
    verdict = classify(msm)
    return (
        f"{msm['test_name']} {msm.get('input') or ''} → {verdict.verdict}"
        f"{' ' + verdict.blocking_type if verdict.blocking_type else ''}"
        f"{' (' + verdict.failure + ')' if verdict.failure else ''}"
    )


def _shows_round(kept: bool) -> Callable[[list[dict[str, Any]]], None]:
    """Print a verdict per measurement, then the measurements as JSON lines unless kept elsewhere."""

    def show(measurements: list[dict[str, Any]]) -> None:
        for msm in measurements:
            console.print(_verdict_line(msm), highlight=False, soft_wrap=True)
        if not kept:
            sys.stdout.writelines(measurement_line(msm) for msm in measurements)

    return show


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
