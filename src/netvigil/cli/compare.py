"""``netvigil compare``: netvigil's events beside another observatory's, with agreement figures."""

from __future__ import annotations

import time
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from netvigil.cli.common import DbOption, console, echo_json_line, fail, handles_errors
from netvigil.cli.detect import Format, FormatOption
from netvigil.cli.monitor import print_reports
from netvigil.cli.options import parse_entities, parse_time
from netvigil.cli.render import when
from netvigil.detect.compare import Comparison, Episode, compare, scope_of, verdict_events
from netvigil.model.events import Event, EventFilter
from netvigil.model.foreign import ForeignEvent
from netvigil.pipeline.monitor import Backfill, Watchlist
from netvigil.sources import public
from netvigil.store import Store, open_store

COMPARABLE = ("ioda", "radar", "atlas", "ooni")
"""Sources netvigil can be set beside: three publish outage events; OONI's are made from its verdicts."""


def _hours(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 3600:+.1f} h"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _table(result: Comparison, label: str) -> Table:
    table = Table(title=f"netvigil and {label} (times UTC)")
    for column in ("entity", "netvigil", f"{label}", "start Δ", "seen by"):
        table.add_column(column)
    for m in result.matches:
        ours, theirs = m.event, m.episode
        spans = f"{when(ours.start)} → {when(ours.end)}", f"{when(theirs.start)} → {when(theirs.end)}"
        table.add_row(ours.entity, *spans, _hours(m.start_delta), "both")
    for event in result.only_ours:
        table.add_row(event.entity, f"{when(event.start)} → {when(event.end)}", "", "", "netvigil only")
    for episode in result.only_theirs:
        table.add_row(episode.entity, "", f"{when(episode.start)} → {when(episode.end)}", "", f"{label} only")
    return table


def _episode_json(episode: Episode) -> dict[str, object]:
    return {
        "entity": episode.entity, "start": episode.start, "end": episode.end, "kinds": list(episode.kinds),
        "ids": [e.source_id for e in episode.events],
    }  # fmt: skip


def _print_jsonl(result: Comparison) -> None:
    for m in result.matches:
        echo_json_line({"seen_by": "both", "event": m.event.id, "entity": m.event.entity,
                        "theirs": _episode_json(m.episode), "start_delta": m.start_delta})  # fmt: skip
    for event in result.only_ours:
        echo_json_line({"seen_by": "netvigil", "event": event.id, "entity": event.entity,
                        "start": event.start, "end": event.end})  # fmt: skip
    for episode in result.only_theirs:
        echo_json_line({"seen_by": result.source, "theirs": _episode_json(episode)})
    echo_json_line({"summary": True, "source": result.source, "netvigil_events": result.ours,
                    "their_episodes": result.theirs, "matched": len(result.matches),
                    "precision": result.precision, "recall": result.recall,
                    "median_start_delta": result.median_start_delta})  # fmt: skip


def _network_events(events: list[Event]) -> list[Event]:
    """The events another observatory could see: connectivity, not a single service."""
    return [e for e in events if not e.is_service]


def _service_events(events: list[Event]) -> list[Event]:
    """Service events as events of the network they were seen in, as OONI's verdicts are counted."""
    return [scope_of(e) for e in events if e.scope == "service"]


def _ooni_verdicts(store: Store, entities: list[str], since: int, until: int) -> list[ForeignEvent]:
    """Hours where OONI's own verdicts call most tests anomalous (its aggregation counts, stored)."""
    signals = ["ooni.measurements", "ooni.anomalies", "ooni.confirmed"]
    found: list[ForeignEvent] = []
    for entity in entities:
        series = {s.signal: s for s in store.read_series([entity], signals, since, until)}
        if "ooni.measurements" not in series:
            continue
        tested = series["ooni.measurements"]
        bad = np.zeros(len(tested.times))
        for name in ("ooni.anomalies", "ooni.confirmed"):
            if name in series:
                counts = dict(zip(series[name].times.tolist(), series[name].values.tolist(), strict=True))
                bad += np.array([counts.get(t, 0.0) for t in tested.times.tolist()])
        found.extend(verdict_events("ooni", entity, tested.times, tested.values, bad))
    return found


@handles_errors
def compare_command(
    source: Annotated[str, typer.Option("--with", help=f"The other observatory: {', '.join(COMPARABLE)}.")],
    entity: Annotated[list[str], typer.Option("--entity", "-e", help="Entity (repeatable): country:KZ.")],
    since: Annotated[str, typer.Option("--from", help="Start (2022-01-01 or ISO 8601).")],
    until: Annotated[
        str | None, typer.Option("--until", "--to", help="End (default now).")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use only what is stored; do not ask the source.")
    ] = False,
    fmt: FormatOption = Format.table,
    db: DbOption = None,
) -> None:
    """Set netvigil's events beside another observatory's, matched by entity and time.

    Their events of one outage are merged into an episode first (IODA reports each datasource
    and each alert separately). OONI publishes no outages: with --with ooni, the hours where its
    own verdicts call most tests anomalous are set beside netvigil's service events. Prints the
    matches, what only one side saw, and precision and recall of each side against the other.
    Their events are fetched for the span unless already stored (a window once fetched is never
    fetched again); netvigil's are those stored by `detect` or `monitor`.

    Example: netvigil compare --with ioda --entity country:KZ --from 2022-01-01 --until 2022-01-12
    """
    if source not in COMPARABLE:
        raise fail(f"--with {source}: netvigil can compare with {', '.join(COMPARABLE)}")
    public.get(source)
    entities = parse_entities(entity) or []
    start = parse_time(since, "--from") or 0
    end = parse_time(until, "--until") or int(time.time())
    if start >= end:
        raise fail("--from must be before --until")
    with open_store(db) as store:
        if not offline:
            print_reports(Backfill(store, Watchlist(tuple(entities)), [source]).run(start, end))
        if source == "ooni":
            services = store.read_events(EventFilter(scopes=["service"], since=start, until=end))
            ours = [e for e in _service_events(services) if e.entity in entities]
            theirs = _ooni_verdicts(store, entities, start, end)
        else:
            ours = _network_events(store.read_events(EventFilter(entities=entities, since=start, until=end)))
            theirs = store.foreign.read_events(source=source, entities=entities, since=start, until=end)
    result = compare(source, ours, theirs)
    label = public.get(source).settings.label
    if fmt is Format.table:
        console.print(_table(result, label))
        console.print(
            f"netvigil {result.ours} events, {label} {result.theirs} episodes, "
            f"{len(result.matches)} matched; "
            f"precision {_share(result.precision)} (netvigil's events {label} also saw), "
            f"recall {_share(result.recall)} ({label}'s episodes netvigil also saw); "
            f"median start Δ {_hours(result.median_start_delta)}"
        )
    else:
        _print_jsonl(result)
