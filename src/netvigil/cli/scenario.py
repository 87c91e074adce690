"""``netvigil scenario …`` and ``netvigil evaluate``: labelled synthetic scenarios and scoring."""

from __future__ import annotations

import enum
import json
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from netvigil.cli.common import console, err_console, fail, handles_errors
from netvigil.cli.options import detector_config
from netvigil.detect.evaluate import ScenarioScore, summarise
from netvigil.pipeline.scenarios import evaluate_folder, scenario_dirs
from netvigil.sim.replays import END, serving
from netvigil.sim.scenarios.files import write_scenario
from netvigil.sim.scenarios.library import ARCHETYPES, build, scenario_names

app = typer.Typer(help="Synthetic, labelled scenarios for testing detectors (they say they are synthetic).")


@app.command("list")
def list_scenarios() -> None:
    """List the built-in scenarios: <archetype>-<country>-<seed>."""
    for name in scenario_names():
        console.print(name, highlight=False)


@app.command("make")
@handles_errors
def make(
    names: Annotated[
        list[str],
        typer.Argument(help="Scenario names (see `netvigil scenario list`), an archetype, or `all`."),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder to write DIR/NAME/signals.csv.gz and labels.json into."),
    ],
) -> None:
    """Write scenarios: signals (contract 3.2) plus ground-truth labels.

    Archetypes: national_blackout, regional_blackout, mobile_cut, partial_disruption, curfew,
    power_outage, long_blackout, and two that must give no event: glitch and holiday.

    Example: netvigil scenario make all --out scenarios/ && netvigil evaluate scenarios/
    """
    chosen: list[str] = []
    known = scenario_names()
    for name in names:
        if name == "all":
            chosen.extend(known)
        elif name in ARCHETYPES:
            chosen.extend(n for n in known if n.startswith(name + "-"))
        elif name in known:
            chosen.append(name)
        else:
            raise fail(
                f"unknown scenario {name!r}; see `netvigil scenario list`, or give an archetype or `all`"
            )
    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as progress:
        task = progress.add_task("writing scenarios", total=len(chosen))
        for name in chosen:
            folder = write_scenario(build(name), out)
            progress.advance(task)
            console.print(f"{folder}", highlight=False)


class EvalFormat(enum.StrEnum):
    """Output of evaluate."""

    table = "table"
    json = "json"


def _table(scores: list[ScenarioScore]) -> Table:
    table = Table(title="Per scenario", title_justify="left")
    for column in (
        "scenario",
        "labels",
        "detected",
        "found",
        "true",
        "start err",
        "end err",
        "delay",
        "notes",
    ):
        table.add_column(column)
    for s in scores:
        table.add_row(
            s.name,
            str(s.labels),
            str(s.detected),
            str(s.found_labels),
            str(s.true_detections),
            " ".join(f"{e:g}" for e in s.start_errors),
            " ".join(f"{e:g}" for e in s.end_errors),
            " ".join(f"{d:g}" for d in s.delays),
            "; ".join(s.notes),
        )
    return table


@handles_errors
def evaluate_command(
    dirs: Annotated[list[Path], typer.Argument(help="Scenario folders, or folders holding them.")],
    streaming: Annotated[
        bool,
        typer.Option("--streaming/--no-streaming", help="Also run bin by bin to measure detection delay."),
    ] = True,
    fmt: Annotated[EvalFormat, typer.Option("--format", "-f")] = EvalFormat.table,
    setting: Annotated[list[str] | None, typer.Option("--set", help="Detector setting KEY=VALUE.")] = None,
) -> None:
    """Score the detector on labelled scenarios: precision, recall, start/end error and delay (in bins).

    Example: netvigil scenario make all --out /tmp/s && netvigil evaluate /tmp/s
    """
    config = detector_config(setting)
    folders = list(scenario_dirs(dirs))
    scores: list[ScenarioScore] = []
    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as progress:
        task = progress.add_task("evaluating", total=len(folders))
        for folder in folders:
            scores.append(evaluate_folder(folder, config, streaming))
            progress.advance(task)
    summary = summarise(scores)
    if fmt is EvalFormat.json:
        print(json.dumps({"summary": asdict(summary), "scenarios": [asdict(s) for s in scores]}, indent=2))
        return
    console.print(_table(scores))
    per_archetype = Table(title="Per archetype", title_justify="left")
    for column in ("archetype", "scenarios", "precision", "recall", "median start err", "median delay"):
        per_archetype.add_column(column)
    for archetype in sorted({s.archetype for s in scores}):
        part = summarise([s for s in scores if s.archetype == archetype])
        per_archetype.add_row(
            archetype,
            str(part.scenarios),
            f"{part.precision:.3f}",
            f"{part.recall:.3f}",
            f"{part.median_start_error:g}",
            f"{part.median_delay:g}",
        )
    console.print(per_archetype)
    console.print(
        f"[bold]overall[/]: {summary.scenarios} scenarios, {summary.labels} labelled events, "
        f"{summary.detected} detected; precision {summary.precision:.3f}, recall {summary.recall:.3f}, "
        f"median start error {summary.median_start_error:g} bins, median end error "
        f"{summary.median_end_error:g} bins, streaming delay for blackouts median "
        f"{summary.median_blackout_delay:g} / max {summary.max_blackout_delay:g} bins, "
        f"scope accuracy {summary.scope_accuracy:.3f}, kind accuracy {summary.kind_accuracy:.3f}, "
        f"streaming equal to batch in {summary.streaming_equal}/{summary.streaming_checked} scenarios"
    )


@app.command("serve-sources")
@handles_errors
def serve_sources() -> None:
    """Serve every public source's replay of Kazakhstan, January 2022 (SYNTHETIC) on loopback.

    Prints the variables that point netvigil at the replays, then serves until Ctrl-C. In another
    shell, after setting them:
      netvigil monitor KZ --since 14d --until 2022-01-12T00:00:00Z --once
    """
    with serving() as env:
        for name, value in sorted(env.items()):
            typer.echo(f"export {name}={value}")
        typer.echo(f"# replays running (SYNTHETIC); monitor with --until {END}; Ctrl-C stops", err=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            typer.echo("# stopped", err=True)
