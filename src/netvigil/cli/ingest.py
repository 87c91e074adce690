"""``netvigil ingest …``: bring signals into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netvigil.cli.common import DbOption, console, file_progress, handles_errors
from netvigil.cli.mrt import ingest_mrt, ingest_ris_live
from netvigil.pipeline.ingest import ingest_signal_file
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
