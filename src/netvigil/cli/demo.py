"""``netvigil demo``: the Kazakhstan 2022 replay, end to end on the embedded store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netvigil.cli.common import console, file_progress, handles_errors, step_progress
from netvigil.cli.render import events_table, phases_table, when
from netvigil.pipeline.demo import national_event, run_demo, shutdown_in_order
from netvigil.report.browser import HOW_TO_GET
from netvigil.report.publish import demo_pdf, write_demo_report
from netvigil.serve.app import serve
from netvigil.store import open_store

DEMO_STEPS = 7
"""The replay's steps, as :func:`netvigil.pipeline.demo.run_demo` names them."""


@handles_errors
def demo_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the replay's files.")] = Path(
        "netvigil-demo"
    ),
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="<path|url>",
            help="Store to use: a DuckDB file, chdb:///dir or clickhouse://host:8123/db "
            "(default: OUT/netvigil.duckdb).",
        ),
    ] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Do not serve the dashboard at the end (for scripts).")
    ] = False,
    host: Annotated[str, typer.Option("--host", help="Address to serve the dashboard on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to serve the dashboard on.")] = 8000,
) -> None:
    """Replay Kazakhstan, 2-11 January 2022 (synthetic, timed from the public record).

    Writes the signals, ingests them into the embedded DuckDB store, detects, prints the event
    timeline, writes OUT/events.jsonl and the incident report (OUT/report/), then serves the
    dashboard on the store (--no-serve skips it).
    """
    with file_progress() as progress, step_progress(DEMO_STEPS) as step:
        result = run_demo(out, db, progress, step=step)
    console.print(
        events_table(result.events, title="Kazakhstan, January 2022 — SYNTHETIC replay (times UTC)")
    )
    console.print("[bold]The shutdown in order[/] (UTC):")
    for moment, what in shutdown_in_order(result.events):
        console.print(f"  {when(moment)}  {what}", highlight=False, soft_wrap=True)
    national = national_event(result.events)
    if national is not None:
        console.print(phases_table(national))
        restored = f"restored {when(national.end)} UTC" if national.end else "still ongoing"
        console.print(
            f"[bold]Metrics show a nation-scale internet blackout in {national.entity_name}[/] from "
            f"{when(national.start)} UTC; national connectivity at {national.level:.1f} % of ordinary levels "
            f"(signals: {', '.join(national.signals)}; confidence {national.confidence:.2f}); {restored}."
        )
    with step_progress(1) as step, open_store(result.db_path) as store:
        step("writing the incident report (HTML, Markdown, charts, PDF when Chromium is here)")
        page = write_demo_report(store, out)
    console.print(f"events: {result.events_path}   store: {result.db_path}")
    pdf = demo_pdf(page)
    if pdf is not None:
        console.print(f"report: {page}  (and {pdf.name}, charts/)")
    else:
        where = f"report: {page}  (and charts/; for the PDF and PNG: {HOW_TO_GET})"
        console.print(where, highlight=False, soft_wrap=True)
    if no_serve:
        return
    console.print(f"[bold]dashboard:[/] http://{host}:{port}/  (Ctrl-C to stop)")
    serve(result.db_path, host, port)
