"""Import OONI JSONL files and turn stored measurements into the ``reachability`` signal.

The importer streams a file in batches (memory stays flat whatever the size), classifies each
measurement, stores the new ones and then recomputes the signal for the time it covered. A
malformed line is counted with its line number and skipped; the rest imports. Importing a file
again adds nothing (measurements are de-duplicated by id), so an interrupted import is simply run
again.

The signals are computed by :mod:`netvigil.pipeline.reachability`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Final

from netvigil.model.measurements import MeasurementRow, received_time_of_uid
from netvigil.pipeline.measurements import row_values
from netvigil.pipeline.reachability import DEFAULT_STEP, refresh_reachability
from netvigil.sources.ooni import BadLine, Line, read_jsonl
from netvigil.store.protocol import Store

BATCH: Final = 20_000  # rows per INSERT: DuckDB's per-statement cost is spread over many rows
BATCH_BYTES: Final = 64 << 20  # ... or fewer when raw bodies are kept, so memory stays bounded
_FIELDS: Final = [f.name for f in fields(MeasurementRow)]
_START: Final = _FIELDS.index("measurement_start_time")
_BODY: Final = _FIELDS.index("body")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one file gave: measurements read, newly stored, already stored, bad lines, signal points."""

    path: Path
    read: int
    accepted: int
    duplicates: int
    bad_lines: tuple[BadLine, ...] = field(default=())
    signal_points: int = 0


def measurement_rows(lines: Iterable[Line], now: int, keep_body: bool) -> Iterator[tuple[Any, ...]]:
    """The store's rows of parsed lines (``now``: the received time of a measurement without uid)."""
    for line in lines:
        msm = line.measurement
        received = received_time_of_uid(msm.get("measurement_uid")) or now
        body = line.raw.decode("utf-8", errors="replace").strip() if keep_body else None
        yield row_values(msm, received, "ooni-file", body)


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    """``rows`` in lists of :data:`BATCH` rows or :data:`BATCH_BYTES` of bodies, one in memory at a time."""
    batch: list[tuple[Any, ...]] = []
    size = 0
    for row in rows:
        batch.append(row)
        size += len(row[_BODY] or "")
        if len(batch) >= BATCH or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _span(batch: list[tuple[Any, ...]], first: int | None, last: int | None) -> tuple[int, int]:
    """The earliest and latest start time seen so far, this batch included."""
    times = [row[_START] for row in batch]
    low, high = min(times), max(times)
    return (low if first is None else min(first, low)), (high if last is None else max(last, high))


def import_ooni_file(
    store: Store,
    path: Path,
    *,
    keep_body: bool = True,
    step: int = DEFAULT_STEP,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one OONI ``.jsonl`` / ``.jsonl.gz`` file, then refresh the reachability signal it touched."""
    bad: list[BadLine] = []
    lines = read_jsonl(path, bad, progress)
    return import_lines(store, lines, bad, path=path, keep_body=keep_body, step=step)


def import_lines(
    store: Store,
    lines: Iterable[Line],
    bad: list[BadLine],
    *,
    path: Path = Path("-"),
    keep_body: bool = True,
    step: int = DEFAULT_STEP,
) -> ImportResult:
    """Import parsed lines in batches (memory stays flat), then refresh the reachability signal."""
    rows = measurement_rows(lines, int(time.time()), keep_body)
    return store_rows(store, rows, bad, path=path, step=step)


def store_rows(
    store: Store,
    rows: Iterable[tuple[Any, ...]],
    bad: Iterable[BadLine] = (),
    *,
    path: Path = Path("-"),
    step: int = DEFAULT_STEP,
) -> ImportResult:
    """Store measurement rows in batches (new ids only), then refresh the reachability signal they touched."""
    read = accepted = 0
    first: int | None = None
    last: int | None = None
    for batch in _batches(iter(rows)):
        accepted += store.measurements.insert_values(batch)
        read += len(batch)
        first, last = _span(batch, first, last)
    points = 0
    if first is not None and last is not None:
        points = refresh_reachability(store, first, last + 1, step)
    return ImportResult(path, read, accepted, read - accepted, tuple(bad), points)
