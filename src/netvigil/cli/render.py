"""Showing events to people: a rich table with child events under their parent, and phases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from rich.table import Table

from netvigil.model.events import Event, national_aside


def when(ts: int | None) -> str:
    """A UTC time as ``2022-01-05 10:35``; ``ongoing`` for no end."""
    if ts is None:
        return "ongoing"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def _row(table: Table, event: Event, indent: str) -> None:
    style = (
        "bold red" if event.kind == "blackout" and not indent else ("red" if event.kind == "blackout" else "")
    )
    table.add_row(
        event.id,
        when(event.start),
        when(event.end),
        f"{indent}{event.entity}",
        event.entity_name,
        event.kind,
        event.scope + (f" ({', '.join(event.network_kinds)})" if event.network_kinds and not indent else ""),
        f"{event.level:.1f} %{national_aside(event)}",
        f"{event.confidence:.2f}",
        ", ".join(event.signals),
        str(len(event.phases)),
        style=style,
    )


def events_table(events: Sequence[Event], title: str = "Events (times UTC)") -> Table:
    """Top-level events in time order, each followed by its child events, indented.

    The first column is the event's id, what ``netvigil report``, ``cost`` and ``event annotate`` take.
    """
    table = Table(title=title, title_justify="left", header_style="bold")
    columns = ("id", "start", "end", "entity", "name", "kind", "scope", "level", "conf.", "signals", "phases")
    for column in columns:
        table.add_column(column, no_wrap=column in ("id", "start", "end", "level", "entity"), max_width=36)
    children: dict[str, list[Event]] = {}
    for event in events:
        if event.parent_event:
            children.setdefault(event.parent_event, []).append(event)
    shown = {e.id for e in events}
    for event in events:
        if event.parent_event and event.parent_event in shown:
            continue
        _row(table, event, "")
        for child in children.get(event.id, []):
            _row(table, child, "  └ ")
    return table


def phases_table(event: Event) -> Table:
    """The phases of one event: when, how connected, and what changed."""
    table = Table(title=f"Phases of {event.entity_name} {event.kind} ({event.id})", title_justify="left")
    for column in ("from", "to", "level", "what"):
        table.add_column(column)
    for phase in event.phases:
        table.add_row(when(phase.start), when(phase.end), f"{phase.level:.1f} %", phase.note)
    return table
