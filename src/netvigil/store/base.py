"""The store interface every backend implements (DuckDB now, ClickHouse later).

It is deliberately narrow: signal points in and out by series, events in and out by filter, and a
record of ingested files so that ingesting the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from netvigil.model.events import Event
from netvigil.model.signals import SignalPoint


@dataclass(frozen=True, slots=True)
class IngestRecord:
    """One ingested input: its content hash makes a second ingest of the same bytes a no-op."""

    sha256: str
    path: str
    kind: str
    rows: int
    ingested_at: int


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """What the store holds of one series."""

    entity: str
    signal: str
    points: int
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class SeriesData:
    """One series read back: Unix-second times (sorted) and values."""

    entity: str
    signal: str
    times: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events to read; every field narrows, ``None`` does not."""

    entities: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    scopes: Sequence[str] | None = None
    since: int | None = None
    until: int | None = None
    ongoing: bool | None = None
    top_level_only: bool = False
    limit: int | None = None


class Store(Protocol):
    """The operations the rest of netvigil needs from a store."""

    def close(self) -> None:
        """Release the connection (and the write lock, if held)."""

    def is_ingested(self, sha256: str) -> IngestRecord | None:
        """The earlier ingest of these exact bytes, if any."""

    def ingest_signals(self, chunks: Iterable[Sequence[SignalPoint]], record: IngestRecord) -> int:
        """Write all chunks and the record in one transaction; any exception writes nothing."""

    def write_signals(self, points: Sequence[SignalPoint]) -> int:
        """Upsert points outside any file record (live sources); returns how many were written."""

    def list_series(self, entities: Sequence[str] | None = None) -> list[SeriesInfo]:
        """Every stored series, optionally only of the given entities."""

    def read_series(
        self,
        entities: Sequence[str] | None = None,
        signals: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> Iterator[SeriesData]:
        """Series one by one, points sorted by time, ``since <= time < until``."""

    def replace_events(self, events: Iterable[Event], entities: Sequence[str]) -> int:
        """Replace every stored event of ``entities`` with ``events`` (one detection run)."""

    def read_events(self, where: EventFilter) -> list[Event]:
        """Stored events matching the filter, newest start first."""

    def get_event(self, event_id: str) -> Event | None:
        """One stored event by id."""
