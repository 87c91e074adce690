"""What a scenario says happened: the ground-truth connectivity of each entity over time.

Scenario code (the Kazakhstan replay, the evaluation library) implements :class:`Timeline`; each
signal's simulator (traffic, BGP messages, probe replies, OONI measurements) asks it how connected
an entity was at a moment and turns that into raw input for its own real parser or inference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Timeline(Protocol):
    """Ground truth of a scenario, as fractions of ordinary (1.0 = normal, 0.03 = blackout)."""

    @property
    def start(self) -> int:
        """First moment the scenario covers (Unix seconds)."""

    @property
    def end(self) -> int:
        """End of the scenario (exclusive)."""

    @property
    def step(self) -> int:
        """Bin length of the scenario's signals in seconds."""

    def entities(self) -> Sequence[str]:
        """Every entity the scenario models (country, regions, ASNs)."""

    def connectivity(self, entity: str, time: int) -> float:
        """Share of the entity's ordinary end-user connectivity at ``time`` (traffic, probing)."""

    def routing(self, entity: str, time: int) -> float:
        """Share of the entity's address space still announced in BGP at ``time``."""

    def service(self, service: str, entity: str, time: int) -> float:
        """Share of tests of ``service`` from ``entity`` that succeed at ``time``."""
