"""``netvigil report``, ``event annotate``, ``cost`` and ``export``: the evidence people publish."""

from __future__ import annotations

import enum
import getpass
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from netvigil.cli.common import DbOption, console, fail, handles_errors, step_progress
from netvigil.cli.options import parse_entities, parse_time
from netvigil.model.annotations import Annotation
from netvigil.model.errors import InputError
from netvigil.pipeline.event_query import event_filter
from netvigil.pipeline.provenance import mark_synthetic
from netvigil.report.cost import TOP10VPN_KZ_2022, TOP10VPN_SOURCE, estimate, millions
from netvigil.report.document import build_report, find_event
from netvigil.report.exports import cloudflare_json, ioda_json, stop_csv
from netvigil.report.publish import write_report, write_text
from netvigil.report.render import Layout
from netvigil.report.taxonomy import CAUSES
from netvigil.store import open_store


class ReportFormat(enum.StrEnum):
    """Report file formats."""

    md = "md"
    html = "html"
    pdf = "pdf"
    png = "png"


class Paper(enum.StrEnum):
    """Paper sizes a report prints on."""

    a4 = "a4"
    letter = "letter"


class ExportFormat(enum.StrEnum):
    """Event export formats."""

    stop = "stop"
    ioda = "ioda"
    cloudflare = "cloudflare"


event_app = typer.Typer(help="Work on one stored event (annotate its cause).", no_args_is_help=True)


def _one_entity(entity: str | None) -> str | None:
    parsed = parse_entities([entity]) if entity else None
    return parsed[0] if parsed else None


@handles_errors
def report_command(
    event_id: Annotated[str | None, typer.Argument(help="Event id (see `netvigil events`).")] = None,
    entity: Annotated[
        str | None, typer.Option("--entity", "-e", help="Instead of an id: e.g. country:KZ.")
    ] = None,
    since: Annotated[str | None, typer.Option("--from", help="With --entity: window start.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="With --entity: window end.")] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="md, html, pdf or png.")
    ] = ReportFormat.html,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write; its charts go in charts/ beside it (default: report-ID/report-ID.FORMAT).",
        ),
    ] = None,
    paper: Annotated[Paper, typer.Option("--paper", help="Paper size of the PDF: a4 or letter.")] = Paper.a4,
    synthetic: Annotated[
        bool,
        typer.Option(
            "--synthetic",
            help="The data are synthetic: say so in this report and in every later one on this store.",
        ),
    ] = False,
    with_cost: Annotated[
        bool | None,
        typer.Option(
            "--cost/--no-cost",
            help="Give an estimate of what the event cost (default: yes, unless the data are synthetic).",
            show_default=False,
        ),
    ] = None,
    dashboard_url: Annotated[
        str | None,
        typer.Option(
            "--dashboard-url",
            metavar="URL",
            help="Where the dashboard is served (e.g. http://127.0.0.1:8000): the event id links there.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write an incident report: statement, charts, timeline, evidence, cost, method.

    Example: netvigil report --entity country:KZ --from 2022-01-04 --until 2022-01-12 --format pdf -o kz.pdf
    """
    layout = Layout(paper.value, dashboard_url)
    with step_progress(3) as step, open_store(db) as store:
        step("finding the event")
        event = find_event(
            store,
            event_id,
            _one_entity(entity),
            parse_time(since, "--from"),
            parse_time(until, "--until"),
        )
        if synthetic:
            mark_synthetic(store, f"netvigil report --synthetic (event {event.id})")
        target = out or Path(f"report-{event.id}") / f"report-{event.id}.{fmt.value}"
        step("gathering the evidence and drawing the charts")
        report = build_report(store, event, target.parent, int(time.time()), synthetic, with_cost)
        step(f"writing the {fmt.value.upper()} report")
        path = write_report(report, target, fmt.value, layout)
    console.print(f"[bold]{report.statement}[/]", highlight=False)
    console.print(f"report: {path}   charts: {target.parent / 'charts'}", highlight=False)


@event_app.command("annotate")
@handles_errors
def annotate_command(
    event_id: Annotated[str, typer.Argument(help="Event id (see `netvigil events`).")],
    cause: Annotated[str, typer.Option("--cause", help=f"One of: {', '.join(CAUSES)}.")],
    source: Annotated[
        str | None, typer.Option("--source", help="URL or citation for the attribution.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Free text, e.g. who ordered it.")] = None,
    author: Annotated[str | None, typer.Option("--by", help="Who says so (default: your user name).")] = None,
    db: DbOption = None,
) -> None:
    """Record an analyst's cause for an event (kept with who and when; the newest one counts).

    Example: netvigil event annotate 38dfb1d4 --cause government_directed --source https://… --note "…"
    """
    if cause not in CAUSES:
        raise fail(f"--cause {cause!r}: expected one of {', '.join(CAUSES)}")
    with open_store(db) as store:
        if store.get_event(event_id) is None:
            raise InputError(f"no event with id {event_id}; list them with `netvigil events`")
        who = author or getpass.getuser()
        store.annotations.add(Annotation(event_id, cause, who, int(time.time()), source, note))
    console.print(f"{event_id}: cause {cause} (by {who})", highlight=False)


@handles_errors
def cost_command(
    event_id: Annotated[str, typer.Argument(help="Event id (see `netvigil events`).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the estimate and its factors as JSON.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Estimate what an event cost (GDP x internet dependence x time x share affected), with a range.

    Method and sources: docs/design/cost.md. Example: netvigil cost 38dfb1d4423d1c0d --json
    """
    with open_store(db, read_only=True) as store:
        event = find_event(store, event_id, None, None, None)
    cost = estimate(event, int(time.time()))
    if as_json:
        print(json.dumps(cost.to_json(), ensure_ascii=False))
        return
    console.print(
        f"{event.entity_name} {event.kind} {event.id}: {millions(cost.central)} "
        f"(range {millions(cost.low)} – {millions(cost.high)})",
        highlight=False,
    )
    if cost.country == "KZ":
        console.print(
            f"{TOP10VPN_SOURCE}; this estimate is {cost.central / TOP10VPN_KZ_2022:.0%} of it",
            highlight=False,
        )


@handles_errors
def export_command(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="stop (CSV), ioda or cloudflare (JSON).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    entity: Annotated[
        list[str] | None, typer.Option("--entity", "-e", help="Only this entity (repeatable).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="Only events going on at or after this time.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only events that started before this time.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Export stored events: Access Now STOP CSV, IODA outage events or Cloudflare Radar annotations.

    Example: netvigil export --format stop --out events.csv --entity country:KZ
    """
    start, end = parse_time(since, "--from"), parse_time(until, "--until")
    with open_store(db, read_only=True) as store:
        events = store.read_events(event_filter(entities=entity, since=start, until=end))
        causes = store.annotations.current_causes([e.id for e in events])
    events = [replace(e, cause=causes[e.id].cause) if e.id in causes else e for e in events]
    events.sort(key=lambda e: (e.start, e.entity, e.id))
    if fmt is ExportFormat.stop:
        text = stop_csv(events)
    elif fmt is ExportFormat.ioda:
        text = json.dumps(ioda_json(events, start, end), indent=1)
    else:
        text = json.dumps(cloudflare_json(events), indent=1)
    write_text(out, text)
    console.print(f"{len(events)} events → {out}", highlight=False)
