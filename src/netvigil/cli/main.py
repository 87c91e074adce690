"""The ``netvigil`` entry point: one typer app with a sub-command per task."""

from __future__ import annotations

import typer

from netvigil.cli import control as control_cli
from netvigil.cli import demo as demo_cli
from netvigil.cli import detect as detect_cli
from netvigil.cli import entities as entities_cli
from netvigil.cli import ingest
from netvigil.cli import mrt as mrt_cli
from netvigil.cli import ooni as ooni_cli
from netvigil.cli import probe as probe_cli
from netvigil.cli import reach as reach_cli
from netvigil.cli import report as report_cli
from netvigil.cli import scenario as scenario_cli
from netvigil.cli import serve as serve_cli

app = typer.Typer(
    name="netvigil",
    help=(
        "An open internet-shutdown observatory. Feed it connectivity signals (BGP, active probing, "
        "traffic, app tests); it finds national, regional, network and service disruptions and "
        "follows each to its restoration.\n\n"
        "Start with: netvigil demo   (the Kazakhstan 2022 replay)"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("demo")(demo_cli.demo_command)
app.add_typer(ingest.app, name="ingest")
app.command("detect")(detect_cli.detect_command)
app.command("events")(detect_cli.events_command)
app.add_typer(scenario_cli.app, name="scenario")
app.command("evaluate")(scenario_cli.evaluate_command)
app.add_typer(entities_cli.app, name="entities")
app.add_typer(mrt_cli.app, name="mrt")
app.add_typer(probe_cli.app, name="probe")
app.add_typer(ooni_cli.app, name="ooni")
app.add_typer(reach_cli.app, name="reach")
app.add_typer(control_cli.app, name="control")
app.command("serve")(serve_cli.serve_command)
app.command("watch")(serve_cli.watch_command)
app.add_typer(serve_cli.token_app, name="token")
app.add_typer(serve_cli.alert_app, name="alert")
app.command("report")(report_cli.report_command)
app.add_typer(report_cli.event_app, name="event")
app.command("cost")(report_cli.cost_command)
app.command("export")(report_cli.export_command)


def main() -> None:
    """Run the command line."""
    app()
