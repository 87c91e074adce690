"""``netvigil entities …``: look up countries, regions and operators."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from netvigil.cli.common import console, handles_errors
from netvigil.geo.entities import default_registry
from netvigil.model.errors import EntityParseError, InputError

app = typer.Typer(help="Countries (ISO 3166-1), regions (ISO 3166-2) and operators (ASNs) netvigil knows.")


@app.command("search")
def search(
    text: Annotated[str, typer.Argument(help="Part of a name or code, e.g. almaty, KZ, AS29355.")],
) -> None:
    """Find entities by name or code."""
    table = Table("entity", "name", "parent")
    for entity in default_registry().search(text):
        table.add_row(entity.key, entity.name, str(entity.parent or ""))
    console.print(table)


@app.command("show")
@handles_errors
def show(
    entity: Annotated[str, typer.Argument(help="An entity, e.g. country:KZ, region:KZ-75, asn:29355.")],
) -> None:
    """Show an entity with its parent and children (regions and operators of a country)."""
    registry = default_registry()
    try:
        found = registry.get(entity)
    except EntityParseError as exc:
        raise InputError(str(exc)) from exc
    console.print(
        f"[bold]{found.name}[/] ({found.key})" + (f", part of {found.parent}" if found.parent else "")
    )
    if found.kind:
        op = registry.operator(int(found.id.code))
        console.print(f"network kind: {found.kind}" + (f" — source: {op.source}" if op else ""))
    children = registry.children(found.key)
    if children:
        table = Table("child", "name", "kind")
        for child in children:
            table.add_row(child.key, child.name, child.kind or "")
        console.print(table)
