"""The answer formats every API audience shares: ``format=json`` (default) or ``format=csv``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Annotated, Any, Final, Literal

from fastapi import Query
from fastapi.responses import Response

Format = Literal["json", "csv"]
FormatQuery = Annotated[Format, Query(description="json (default) or csv")]
EVENT_CSV: Final = [
    "id",
    "entity",
    "entity_name",
    "kind",
    "scope",
    "start",
    "end",
    "ongoing",
    "level",
    "signals",
    "confidence",
]


def csv_response(header: list[str], rows: Iterable[list[Any]], name: str) -> Response:
    """Rows as a CSV download."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    disposition = f'attachment; filename="{name}.csv"'
    return Response(
        out.getvalue(), media_type="text/csv; charset=utf-8", headers={"content-disposition": disposition}
    )


def events_csv(events: list[dict[str, Any]], name: str) -> Response:
    """Events (as :func:`netvigil.serve.views.event_json` renders them) as a CSV download."""
    rows = ([e[c] if c != "signals" else " ".join(e[c]) for c in EVENT_CSV] for e in events)
    return csv_response(EVENT_CSV, rows, name)
