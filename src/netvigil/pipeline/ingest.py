"""Ingest signal files into the store: validated whole, written atomically, idempotent by content."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from netvigil.model.series import IngestRecord
from netvigil.sources.signal_csv import read_points
from netvigil.sources.textfile import sha256_of
from netvigil.store.protocol import SignalStore

ProgressFactory = Callable[[Path, int], Callable[[int], None]]


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one file: rows written, or skipped because the same bytes were ingested."""

    path: Path
    rows: int
    skipped: bool


def ingest_signal_file(
    store: SignalStore, path: Path, progress: ProgressFactory | None = None
) -> IngestResult:
    """Ingest one signal file; a bad row raises InputError and nothing of the file is written."""
    digest = sha256_of(path)
    if store.is_ingested(digest) is not None:
        return IngestResult(path, 0, skipped=True)
    tick = progress(path, path.stat().st_size) if progress else None
    record = IngestRecord(digest, str(path), "signals", 0, int(time.time()))
    rows = store.ingest_signals(read_points(path, tick), record)
    return IngestResult(path, rows, skipped=False)
