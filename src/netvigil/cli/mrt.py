"""``netvigil mrt …``: read MRT archives (RouteViews, RIPE RIS) the way bgpdump does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from netvigil.cli.common import err_console, fail, handles_errors
from netvigil.sources.mrt import MrtElement, ParseReport, bgpdump_line, read_elements

app = typer.Typer(help="Read MRT archives (RouteViews, RIPE RIS): TABLE_DUMP, TABLE_DUMP_V2, BGP4MP(_ET).")

_BATCH = 4096


def report_damage(path: Path, report: ParseReport) -> None:
    """Tell on stderr what was skipped in a file, with byte offsets and record numbers."""
    if not report.damaged or not report.records:
        return
    err_console.print(
        f"[yellow]warning:[/] {path}: {report.damaged} damaged record(s) skipped; "
        f"{report.records:,} whole records, {report.elements:,} elements read",
        highlight=False,
        soft_wrap=True,
    )
    for damage in report.damage[:10]:
        err_console.print(f"  {path}: {damage}", highlight=False, markup=False, soft_wrap=True)


def _write_lines(elements: Iterator[MrtElement]) -> None:
    """Write bgpdump lines in batches; what was decoded before an error is still written."""
    write = sys.stdout.write
    batch: list[str] = []
    try:
        for element in elements:
            batch.append(bgpdump_line(element))
            if len(batch) >= _BATCH:
                write("\n".join(batch) + "\n")
                batch.clear()
    finally:
        if batch:
            write("\n".join(batch) + "\n")
        sys.stdout.flush()


@app.command("dump")
@handles_errors
def dump(
    file: Annotated[Path, typer.Argument(help="MRT file: plain, .gz or .bz2 (by its name).")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop with exit code 2 at the first damaged record.")
    ] = False,
) -> None:
    """Print one line per BGP element in the layout of `bgpdump -m` (contract 3.4).

    RIB entries are B lines, announcements A, withdrawals W, session changes STATE. By default a
    damaged record is skipped and reported on stderr (byte offset in the decompressed stream,
    record number) and a file cut short gives every whole record before the cut; the exit code
    is 2 only when nothing could be read. With --strict the first damage stops with exit code 2.

    Example: netvigil mrt dump updates.20160811.1600.gz | grep '|W|'
    """
    report = ParseReport()
    try:
        _write_lines(read_elements(file, report, strict=strict))
    except BrokenPipeError:
        return
    report_damage(file, report)
    if report.damaged and report.records == 0:
        raise fail(f"{file}: no MRT record could be read ({report.damage[0]})")
