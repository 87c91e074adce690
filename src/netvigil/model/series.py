"""Series as the store hands them out: what is held, points read back, views, sources, ingest records."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


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
class SeriesView:
    """A series as shown: bin starts (Unix s), mean value and minimum per bin, and the bin width."""

    entity: str
    signal: str
    step: int
    times: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    lows: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SeriesSource:
    """Observations of one (entity, signal, source) in a time window (what a report cites)."""

    entity: str
    signal: str
    source: str
    observations: int
    first: int
    last: int
