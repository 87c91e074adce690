"""Import OONI JSONL files and turn stored measurements into the ``reachability`` signal.

The importer streams a file in batches (memory stays flat whatever the size), classifies each
measurement, stores the new ones and then recomputes the signal for the time it covered. A
malformed line is counted with its line number and skipped; the rest imports. Importing a file
again adds nothing (measurements are de-duplicated by id), so an interrupted import is simply run
again.

The signal: for each time bin, service and network, the share of tests that were ``ok`` among those
that ran (``failure`` verdicts — broken measurements — are left out of both counts). Entities are
``service:<name>@country:<CC>`` and ``service:<name>@asn:<N>`` (contract 3.1).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from netvigil.model.measurements import MeasurementRow
from netvigil.model.signals import SignalPoint
from netvigil.pipeline.measurements import to_row
from netvigil.sources.ooni import BadLine, Line, read_jsonl, received_time_of_uid
from netvigil.store import measurements as table
from netvigil.store.duckdb_store import DuckDBStore

SERVICE_OF_TEST: Final[dict[str, str]] = {
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "signal": "signal",
    "facebook_messenger": "facebook_messenger",
    "web_connectivity": "web",
    "tor": "tor",
}
DEFAULT_STEP: Final = 3600
BATCH: Final = 5000


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one file gave: measurements read, newly stored, already stored, bad lines, signal points."""

    path: Path
    read: int
    accepted: int
    duplicates: int
    bad_lines: tuple[BadLine, ...] = field(default=())
    signal_points: int = 0


def _rows(lines: Iterable[Line], now: int, keep_body: bool) -> Iterable[MeasurementRow]:
    for line in lines:
        msm = line.measurement
        received = received_time_of_uid(msm.get("measurement_uid")) or now
        body = line.raw.decode("utf-8", errors="replace").strip() if keep_body else None
        yield to_row(msm, received, "ooni-file", body)


def import_ooni_file(
    store: DuckDBStore,
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
    store: DuckDBStore,
    lines: Iterable[Line],
    bad: list[BadLine],
    *,
    path: Path = Path("-"),
    keep_body: bool = True,
    step: int = DEFAULT_STEP,
) -> ImportResult:
    """Import parsed lines in batches (memory stays flat), then refresh the reachability signal."""
    read = accepted = 0
    first, last = None, None
    batch: list[MeasurementRow] = []
    for row in _rows(lines, int(time.time()), keep_body):
        read += 1
        first = row.measurement_start_time if first is None else min(first, row.measurement_start_time)
        last = row.measurement_start_time if last is None else max(last, row.measurement_start_time)
        batch.append(row)
        if len(batch) >= BATCH:
            accepted += table.insert_new(store, batch)
            batch.clear()
    accepted += table.insert_new(store, batch)
    points = 0
    if first is not None and last is not None:
        points = refresh_reachability(store, first, last + 1, step)
    return ImportResult(path, read, accepted, read - accepted, tuple(bad), points)


def reachability_points(counts: Iterable[table.ReachabilityCount], min_tests: int = 1) -> list[SignalPoint]:
    """Aggregate per-network counts to (service, country) and (service, ASN) shares.

    Two signals per bin and entity: ``reachability`` (share of tests that were ok) and ``throttled``
    (share of tests that saw throttling); bins with fewer than ``min_tests`` tests are left out.
    """
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in counts:
        service = SERVICE_OF_TEST.get(c.test_name)
        if service is None:
            continue
        asn = c.probe_asn[2:] if c.probe_asn.upper().startswith("AS") else c.probe_asn
        for scope in (f"country:{c.probe_cc}", f"asn:{asn}"):
            acc = sums[(c.bin_start, f"service:{service}@{scope}")]
            acc[0] += c.ok
            acc[1] += c.total
            acc[2] += c.throttled
    points: list[SignalPoint] = []
    for (t, entity), (ok, total, throttled) in sorted(sums.items()):
        if total >= min_tests:
            points.append(SignalPoint(t, entity, "reachability", ok / total, "ooni"))
            points.append(SignalPoint(t, entity, "throttled", throttled / total, "ooni"))
    return points


def refresh_reachability(store: DuckDBStore, since: int, until: int, step: int = DEFAULT_STEP) -> int:
    """Recompute the reachability signal for every bin overlapping ``[since, until)``; returns points."""
    start = since - since % step
    end = until if until % step == 0 else until + step - until % step
    points = reachability_points(table.reachability_counts(store, start, end, step))
    return store.write_signals(points) if points else 0
