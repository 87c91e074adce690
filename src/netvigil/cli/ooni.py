"""``netvigil ooni …``: read OONI's measurement files (import into the store, or classify)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from netvigil.cli.common import (
    DbOption,
    console,
    echo_json_line,
    err_console,
    fail,
    file_progress,
    handles_errors,
)
from netvigil.detect.ooni import verdict_json
from netvigil.pipeline.ooni import import_ooni_file
from netvigil.pipeline.reachability import DEFAULT_STEP
from netvigil.sources.ooni import BadLine, read_jsonl
from netvigil.store import open_store

app = typer.Typer(
    help=(
        "OONI measurements (JSON lines, optionally .gz, as in OONI's S3 archive): import them or "
        "print one verdict per measurement.\n\n"
        "Example: netvigil ooni classify 2022-01-05_KZ_whatsapp.jsonl.gz --format table"
    ),
    no_args_is_help=True,
)


class Format(StrEnum):
    """Output formats of ``ooni classify``."""

    jsonl = "jsonl"
    table = "table"


def report_bad_lines(path: Path, bad: list[BadLine] | tuple[BadLine, ...], show: int = 10) -> None:
    """Print how many lines were skipped and the first few, each as FILE:LINE: reason, on stderr."""
    if not bad:
        return
    err_console.print(
        f"[yellow]{path}: {len(bad)} malformed line(s) skipped[/]", highlight=False, soft_wrap=True
    )
    for item in bad[:show]:
        err_console.print(
            f"  {path}:{item.line}: {item.reason}", highlight=False, markup=False, soft_wrap=True
        )
    if len(bad) > show:
        err_console.print(f"  … and {len(bad) - show} more", highlight=False)


@app.command("import")
@handles_errors
def import_files(
    files: Annotated[list[Path], typer.Argument(help="OONI measurement files: .jsonl or .jsonl.gz.")],
    db: DbOption = None,
    no_body: Annotated[
        bool, typer.Option("--no-body", help="Keep only envelope and verdict, not the raw measurement.")
    ] = False,
    step: Annotated[int, typer.Option(help="Bin width of the reachability signal, seconds.")] = DEFAULT_STEP,
) -> None:
    """Import OONI measurements: classify, store new ones, update the `reachability` signal.

    Measurements are de-duplicated by measurement_uid (or report_id + input + start time), so
    importing a file twice adds nothing. A malformed line is reported as FILE:LINE and skipped; the
    rest of the file imports. A file in which no line is a measurement (not an OONI file) makes the
    command exit 2 after the other files are imported.

    Example: netvigil ooni import 20220105_KZ_telegram.jsonl.gz --db kz.duckdb
    """
    unreadable: list[Path] = []
    with open_store(db) as store, file_progress() as progress:
        for path in files:
            tick = progress(path, path.stat().st_size) if path.exists() else None
            result = import_ooni_file(store, path, keep_body=not no_body, step=step, progress=tick)
            console.print(
                f"{path}: {result.read:,} measurements, {result.accepted:,} new, "
                f"{result.duplicates:,} already stored, {len(result.bad_lines):,} malformed lines, "
                f"{result.signal_points:,} reachability points",
                highlight=False,
                soft_wrap=True,
            )
            report_bad_lines(path, result.bad_lines)
            if result.bad_lines and not result.read:
                unreadable.append(path)
    if unreadable:
        names = ", ".join(map(str, unreadable))
        raise fail(f"no OONI measurement could be read in {names}; expected one measurement (JSON) per line")


@app.command("classify")
@handles_errors
def classify_file(
    file: Annotated[Path, typer.Argument(help="OONI measurement file: .jsonl or .jsonl.gz.")],
    output: Annotated[
        Format, typer.Option("--format", help="jsonl: one JSON verdict per line; table: for people.")
    ] = Format.jsonl,
) -> None:
    """Print one verdict per measurement: ok, anomaly, confirmed or failure, with the blocking type.

    The rules follow OONI's fastpath (docs/design/ooni.md says where and why netvigil differs).
    Malformed lines are reported on stderr as FILE:LINE and skipped.

    Example: netvigil ooni classify measurements.jsonl --format table
    """
    bad: list[BadLine] = []
    lines = read_jsonl(file, bad)
    if output is Format.jsonl:
        for line in lines:
            echo_json_line(verdict_json(line.measurement))
    else:
        table = Table("line", "test", "cc", "asn", "input", "verdict", "blocking", "failure", "reason")
        for line in lines:
            v = verdict_json(line.measurement)
            cells = [v[k] for k in ("test_name", "probe_cc", "probe_asn", "input", "verdict")]
            cells += [v["blocking_type"], v["failure"], v["reason"]]
            table.add_row(str(line.number), *[str(c) if c is not None else "" for c in cells])
        console.print(table)
    report_bad_lines(file, bad)
