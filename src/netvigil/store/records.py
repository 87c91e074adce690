"""Records as table rows and back, the same on every backend: tuple fields travel as JSON text.

An :class:`~netvigil.model.events.Event` keeps its tuples (signals, children, phases, …) as JSON
in the form of its own ``to_json``; a :class:`~netvigil.model.foreign.ForeignEvent` keeps its
members as a JSON list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from netvigil.model.events import Event, Phase
from netvigil.model.foreign import ForeignEvent
from netvigil.store.columns import columns_of, values_of

EVENT_COLUMNS: Final = columns_of(Event)
FOREIGN_EVENT_COLUMNS: Final = columns_of(ForeignEvent)


def event_row(event: Event) -> list[Any]:
    """An event's column values, tuple fields as JSON text."""
    body = event.to_json()
    row: list[Any] = []
    for column in EVENT_COLUMNS:
        if column.json:
            row.append(json.dumps(body[column.name]))
        else:
            row.append(getattr(event, column.name))
    return row


def event_of(row: Sequence[Any]) -> Event:
    """The event a stored row holds."""
    data: dict[str, Any] = {}
    for column, value in zip(EVENT_COLUMNS, row, strict=True):
        if not column.json:
            data[column.name] = value
        elif column.name == "phases":
            data[column.name] = tuple(Phase.from_json(p) for p in json.loads(value))
        else:
            data[column.name] = tuple(json.loads(value))
    return Event(**data)


def foreign_event_row(event: ForeignEvent) -> list[Any]:
    """A foreign event's column values; tuple fields (``members``) as JSON text."""
    pairs = zip(FOREIGN_EVENT_COLUMNS, values_of(event), strict=True)
    return [json.dumps(v) if c.json else v for c, v in pairs]


def foreign_event_of(row: Sequence[Any]) -> ForeignEvent:
    """The foreign event a stored row holds (JSON columns read back as tuples)."""
    pairs = zip(FOREIGN_EVENT_COLUMNS, row, strict=True)
    values: list[Any] = [tuple(json.loads(v)) if c.json else v for c, v in pairs]
    return ForeignEvent(*values)
