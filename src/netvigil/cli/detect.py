"""``netvigil detect`` and ``netvigil events``: find events, and list the stored ones."""

from __future__ import annotations

import enum
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from netvigil.cli.common import (
    DbOption,
    console,
    echo_json_line,
    err_console,
    file_progress,
    handles_errors,
    task_progress,
)
from netvigil.cli.options import cluster_spec, detector_config, parse_entities, parse_time
from netvigil.cli.render import events_table
from netvigil.model.events import Event
from netvigil.model.series import TooLittleHistory
from netvigil.pipeline.analyse import run_detection, too_little_history
from netvigil.pipeline.event_query import event_filter
from netvigil.pipeline.ingest import ingest_signal_file
from netvigil.store import open_store


class Format(enum.StrEnum):
    """Output formats of event listings."""

    table = "table"
    jsonl = "jsonl"
    json = "json"


FromOption = Annotated[
    str | None,
    typer.Option("--from", help="Only events still going on at or after this time (2022-01-05 or ISO 8601)."),
]
ToOption = Annotated[
    str | None,
    typer.Option("--until", "--to", help="Only events that started before this time (--to: old spelling)."),
]
EntityOption = Annotated[
    list[str] | None, typer.Option("--entity", "-e", help="Only this entity (repeatable), e.g. country:KZ.")
]
FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="table for people; jsonl/json (contract 3.3) for programs.")
]
TopOption = Annotated[
    bool,
    typer.Option(
        "--top-level", help="Only top-level events (not the regional/network children of a national one)."
    ),
]


def print_events(events: Sequence[Event], fmt: Format) -> None:
    """Print events in the chosen format."""
    if fmt is Format.jsonl:
        for event in events:
            echo_json_line(event.to_json())
    elif fmt is Format.json:
        print(json.dumps([e.to_json() for e in events], indent=2, ensure_ascii=False))
    elif not events:
        console.print("no events")
    else:
        console.print(events_table(events))


def _window(events: Sequence[Event], since: int | None, until: int | None, top: bool) -> list[Event]:
    return [
        e
        for e in events
        if (since is None or e.end is None or e.end >= since)
        and (until is None or e.start < until)
        and (not top or e.parent_event is None)
    ]


@handles_errors
def detect_command(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Signal files (.csv, .csv.gz, .jsonl). None: use the store.")
    ] = None,
    since: FromOption = None,
    until: ToOption = None,
    entity: EntityOption = None,
    fmt: FormatOption = Format.table,
    top_level: TopOption = False,
    setting: Annotated[
        list[str] | None,
        typer.Option("--set", help="Detector setting KEY=VALUE, e.g. probe.warning=70 (docs/detector.md)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            help="Detect on this many local Dask worker processes, entities split by country. "
            "Default: in this process.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Detect on the Dask cluster behind this scheduler (tcp://host:8786)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Find disruptions and print them as events (contract 3.3).

    Given FILES, works on them alone in a temporary store (unless --db names one, which then keeps
    the data and the events); without FILES, reads the store and replaces its stored events.
    With --workers or --scheduler the entities are split by country over Dask workers; the events
    are the same as in one process (docs/detector.md, "Many entities"). A series with less history
    than the baseline needs (a day by default) cannot hold an event yet: it is listed with the time
    it becomes judgeable (on stderr with --format jsonl/json), so no events does not read as calm.

    Examples:
      netvigil detect kz.csv.gz
      netvigil detect --entity country:KZ --from 2022-01-04 --format jsonl
      netvigil detect --workers 2

    """
    config = detector_config(setting)
    entities = parse_entities(entity)
    start, end = parse_time(since, "--from"), parse_time(until, "--until")
    cluster = cluster_spec(workers, scheduler)
    with tempfile.TemporaryDirectory(prefix="netvigil-detect-") as tmp:
        target = db if (db is not None or not files) else Path(tmp) / "detect.duckdb"
        with open_store(target) as store:
            if files:
                with file_progress() as progress:
                    for path in files:
                        ingest_signal_file(store, path, progress)
            with task_progress("detecting (partitions)", enabled=cluster is not None) as progress:
                events = run_detection(store, entities, None, None, config, cluster, progress)
            waiting = too_little_history(store, entities, config)
    print_events(_window(events, start, end, top_level), fmt)
    print_waiting(waiting, fmt)


def print_waiting(waiting: Sequence[TooLittleHistory], fmt: Format) -> None:
    """Say which series cannot be judged yet and from when they can (stderr for jsonl/json)."""
    out = console if fmt is Format.table else err_console
    for series in waiting:
        out.print(series.sentence(), markup=False, highlight=False, soft_wrap=True)


@handles_errors
def events_command(
    since: FromOption = None,
    until: ToOption = None,
    entity: EntityOption = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="blackout, disruption, throttling or service_blocking.")
    ] = None,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="national, regional, network or service.")
    ] = None,
    ongoing: Annotated[
        bool | None, typer.Option("--ongoing/--ended", help="Only ongoing, or only ended events.")
    ] = None,
    fmt: FormatOption = Format.table,
    top_level: TopOption = False,
    db: DbOption = None,
) -> None:
    """List the events stored by earlier detection runs.

    Example: netvigil events --scope national --ongoing --format jsonl
    """
    where = event_filter(
        entities=entity,
        kinds=kind,
        scopes=scope,
        since=parse_time(since, "--from"),
        until=parse_time(until, "--until"),
        ongoing=ongoing,
        top_level=top_level,
    )
    with open_store(db, read_only=True) as store:
        events = sorted(store.read_events(where), key=lambda e: (e.start, e.entity))
    print_events(events, fmt)
