"""Series as the store hands them out: what is held, points read back, views, sources, ingest records."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from netvigil.model.events import iso


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


@dataclass(frozen=True, slots=True)
class TooLittleHistory:
    """A series the detector cannot judge yet: its history is shorter than the baseline needs.

    ``judgeable_from`` is when it will have enough (Unix seconds); until then no event can be
    found on it, so an empty result means "not yet known", not "nothing happened".
    """

    entity: str
    signal: str
    first: int
    last: int
    judgeable_from: int

    def to_json(self) -> dict[str, object]:
        """The status as the API and ``netvigil detect --format json`` give it (ISO 8601 UTC times)."""
        return {
            "entity": self.entity,
            "signal": self.signal,
            "status": "too little history",
            "first": iso(self.first),
            "last": iso(self.last),
            "judgeable_from": iso(self.judgeable_from),
        }

    def sentence(self) -> str:
        """One line for people, e.g. "country:XX/probe: too little history to judge yet …"."""
        hours = (self.last - self.first) / 3600
        return (
            f"{self.entity}/{self.signal}: too little history to judge yet ({hours:.0f} h of data); "
            f"judgeable from {iso(self.judgeable_from)}"
        )
