"""Signal points: one value of one signal for one entity at one time (contract 3.2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

KNOWN_SIGNALS: Final[tuple[str, ...]] = (
    "bgp",
    "bgp6",
    "bgp_updates",
    "probe",
    "traffic",
    "reachability",
)
MIN_STEP_SECONDS: Final = 60
MAX_STEP_SECONDS: Final = 86_400


@dataclass(frozen=True, slots=True)
class SignalPoint:
    """One observation of a time series: ``time`` is Unix seconds (UTC), ``entity`` canonical text."""

    time: int
    entity: str
    signal: str
    value: float
    source: str = "csv"


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """The identity of one time series."""

    entity: str
    signal: str

    def __str__(self) -> str:
        return f"{self.entity}/{self.signal}"
