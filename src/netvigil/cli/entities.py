"""``netvigil entities …``: look up countries, regions and operators; declare local entities."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from netvigil.cli.common import console, handles_errors
from netvigil.geo.entities import (
    ENV_ENTITIES,
    default_registry,
    entities_file,
    local_entity,
    write_declaration,
)
from netvigil.model.errors import EntityParseError, InputError

app = typer.Typer(
    help="Countries (ISO 3166-1), regions (ISO 3166-2) and operators (ASNs) netvigil knows, and the "
    "local entities (counties, cities, data centres: local:CC[-XXX]/name) you declare."
)


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
    entity: Annotated[
        str, typer.Argument(help="An entity: country:KZ, region:KZ-75, asn:29355, local:US-LA/calcasieu.")
    ],
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


@app.command("add")
@handles_errors
def add(
    entity: Annotated[
        str, typer.Argument(help="A local entity: local:CC[-XXX]/name, e.g. local:US-LA/lake-charles.")
    ],
    name: Annotated[str, typer.Option("--name", help="Its display name, e.g. 'Lake Charles'.")] = "",
    parent: Annotated[
        str | None,
        typer.Option(
            "--parent",
            help="The entity it lies in: the country or region its identifier names (the default), or "
            "another local entity there, e.g. local:US-LA/calcasieu.",
        ),
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Network kind, e.g. datacenter.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help=f"The entities file (default ${ENV_ENTITIES}, else ~/.config)."),
    ] = None,
) -> None:
    """Declare (or re-declare) a local entity below ISO 3166-2 with its parent.

    Signals of a local entity are ingested like any other (entity column local:US-LA/calcasieu);
    its events have scope local and roll up to its parent's events. Undeclared local entities work
    too: they are named after their identifier and sit under the place it names.

    Example: netvigil entities add local:US-LA/lake-charles --name "Lake Charles"
    --parent local:US-LA/calcasieu
    """
    declared = local_entity(entity, name, parent, kind)
    path = file or entities_file()
    write_declaration(path, declared)
    console.print(f"{declared.key}: {declared.name}, part of {declared.parent} (in {path})")
