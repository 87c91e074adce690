"""The ``netvigil`` entry point: one typer app with a sub-command per task, each imported when used."""

from __future__ import annotations

import os

import typer

from netvigil.cli.lazy import LazyCommand, LazyGroup

COMMANDS: dict[str, LazyCommand] = {
    "demo": LazyCommand(
        "netvigil.cli.demo:demo_command",
        "Replay Kazakhstan, 2-11 January 2022 (synthetic, timed from the public record).",
    ),
    "detect": LazyCommand(
        "netvigil.cli.detect:detect_command", "Find disruptions and print them as events (contract 3.3)."
    ),
    "events": LazyCommand(
        "netvigil.cli.detect:events_command", "List the events stored by earlier detection runs."
    ),
    "evaluate": LazyCommand(
        "netvigil.cli.scenario:evaluate_command",
        "Score the detector on labelled scenarios: precision, recall, start/end error and delay (in bins).",
    ),
    "serve": LazyCommand(
        "netvigil.cli.serve:serve_command", "Serve the API, the Atom feed and the dashboard from a store."
    ),
    "monitor": LazyCommand(
        "netvigil.cli.monitor:monitor_command",
        "Watch countries from public data: backfill the baseline, detect, then follow the sources live.",
    ),
    "compare": LazyCommand(
        "netvigil.cli.compare:compare_command",
        "Set netvigil's events beside another observatory's, matched by entity and time.",
    ),
    "sources": LazyCommand(
        "netvigil.cli.monitor:sources_command",
        "List the public sources: what each gives, where it is read from, and whether it needs a token.",
    ),
    "watch": LazyCommand(
        "netvigil.cli.serve:watch_command",
        "Watch an inbox: ingest new signal files, detect, send alerts; repeat until SIGTERM or Ctrl-C.",
    ),
    "report": LazyCommand(
        "netvigil.cli.report:report_command",
        "Write an incident report: statement, charts, timeline, evidence, cost, method.",
    ),
    "cost": LazyCommand(
        "netvigil.cli.report:cost_command",
        "Estimate what an event cost (GDP x internet dependence x time x share affected), with a range.",
    ),
    "export": LazyCommand(
        "netvigil.cli.report:export_command",
        "Export stored events: Access Now STOP CSV, IODA outage events or Cloudflare Radar annotations.",
    ),
    "ingest": LazyCommand(
        "netvigil.cli.ingest:app",
        "Bring data into the store. Each file is checked whole, then written at once.",
    ),
    "backfill": LazyCommand(
        "netvigil.cli.backfill:app",
        "Backfill archives on Dask workers: one task per file, merged in order, resumable.",
    ),
    "scenario": LazyCommand(
        "netvigil.cli.scenario:app",
        "Synthetic, labelled scenarios for testing detectors (they say they are synthetic).",
    ),
    "entities": LazyCommand(
        "netvigil.cli.entities:app",
        "Countries (ISO 3166-1), regions (ISO 3166-2) and operators (ASNs) netvigil knows, and the "
        "local entities (counties, cities, data centres: local:CC[-XXX]/name) you declare.",
    ),
    "mrt": LazyCommand(
        "netvigil.cli.mrt:app",
        "Read MRT archives (RouteViews, RIPE RIS): TABLE_DUMP, TABLE_DUMP_V2, BGP4MP(_ET).",
    ),
    "probe": LazyCommand(
        "netvigil.cli.probe:app",
        "Active probing of /24 (and /48) blocks with Trinocular's Bayesian inference.",
    ),
    "ooni": LazyCommand(
        "netvigil.cli.ooni:app",
        "OONI measurements (JSON lines, optionally .gz, as in OONI's S3 archive): import them or print one "
        "verdict per measurement.",
    ),
    "reach": LazyCommand(
        "netvigil.cli.reach:app",
        "Service reachability tests that write OONI-format measurements: web_connectivity (alias web), "
        "whatsapp, telegram, signal.",
    ),
    "control": LazyCommand(
        "netvigil.cli.control:app",
        "The control server: repeats DNS, TCP, TLS and HTTP for a URL from outside the censored network, "
        "so web_connectivity can tell blocking from a site that is down for everyone. It answers OONI's "
        "test-helper requests (POST / with JSON).",
    ),
    "token": LazyCommand(
        "netvigil.cli.serve:token_app", "API tokens: made once, stored hashed, scoped (submit, admin)."
    ),
    "alert": LazyCommand(
        "netvigil.cli.serve:alert_app", "Alert rules (webhook, e-mail) and their deliveries."
    ),
    "event": LazyCommand("netvigil.cli.report:event_app", "Work on one stored event (annotate its cause)."),
}


class NetvigilGroup(LazyGroup):
    """The top-level group: every command in :data:`COMMANDS`, imported when used."""

    lazy = COMMANDS


app = typer.Typer(
    name="netvigil",
    help=(
        "An open internet-shutdown observatory. Feed it connectivity signals (BGP, active probing, "
        "traffic, app tests); it finds national, regional, network and service disruptions and "
        "follows each to its restoration.\n\n"
        "Start with: netvigil demo   (the Kazakhstan 2022 replay)"
    ),
    cls=NetvigilGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Make ``app`` a group; its commands come from :data:`COMMANDS`."""


def main() -> None:
    """Run the command line.

    netvigil does no linear algebra, so OpenBLAS (under numpy) gets one thread: its idle
    threads otherwise spin for about 0.1 s of CPU on every start.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    app()
