"""``netvigil ingest …``: bring signals into the store."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from netvigil.cli.common import DbOption, console, file_progress, handles_errors
from netvigil.cli.mrt import ingest_mrt, ingest_ris_live
from netvigil.pipeline.ingest import ingest_signal_file
from netvigil.sources.monash import read_monash, with_totals, write_signal_file
from netvigil.store import open_store

app = typer.Typer(help="Bring data into the store. Each file is checked whole, then written at once.")
app.command("mrt")(ingest_mrt)
app.command("ris-live")(ingest_ris_live)


@app.command("signals")
@handles_errors
def ingest_signals(
    files: Annotated[
        list[Path], typer.Argument(help="Signal files: .csv, .csv.gz or .jsonl (contract 3.2).")
    ],
    db: DbOption = None,
) -> None:
    """Ingest signal files (time,entity,signal,value).

    Each file is validated whole before anything is written: a bad row stops with FILE:LINE and what
    was expected (exit code 2), and nothing of that file reaches the store. Files ingested before
    stay. Ingesting the same bytes twice changes nothing.

    Example: netvigil ingest signals kz.csv.gz --db kz.duckdb
    """
    with open_store(db) as store, file_progress() as progress:
        for path in files:
            result = ingest_signal_file(store, path, progress)
            if result.skipped:
                console.print(f"{path}: already ingested, nothing to do")
            else:
                console.print(f"{path}: {result.rows:,} points")


@app.command("monash")
@handles_errors
def ingest_monash(
    source: Annotated[
        Path, typer.Argument(help="A Monash IP Observatory CSV (county connectivity or ADM1 latency).")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the signal file (time,entity,signal,value) here; do not ingest."),
    ] = None,
    totals: Annotated[
        bool,
        typer.Option(
            "--totals",
            help="Also write each hour's sum over the file's local entities per region and per country.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Convert a Monash IP Observatory series into signals, and ingest them (or write them with --out).

    County rows become local entities below their state (local:US-LA/calcasieu, signal connectivity),
    so a county's outage is a local event that rolls up to its state and country. ADM1 latency rows
    become region:CC-XXX (signal latency, shown beside the others but not judged as a level). See
    docs/signals.md.

    Example: netvigil ingest monash usa-2020-08-31_HurrLaura.csv --totals --out laura.csv
    """
    points = with_totals(read_monash(source)) if totals else read_monash(source)
    if out is not None:
        rows = write_signal_file(points, out)
        console.print(f"{out}: {rows:,} points from {source}")
        return
    with tempfile.TemporaryDirectory() as folder:
        converted = Path(folder) / f"{source.stem}.signals.csv"
        write_signal_file(points, converted)
        with open_store(db) as store, file_progress() as progress:
            result = ingest_signal_file(store, converted, progress)
    done = "already ingested, nothing to do" if result.skipped else f"{result.rows:,} points"
    console.print(f"{source}: {done}")
