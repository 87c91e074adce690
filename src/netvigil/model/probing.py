"""Active-probing data: the verdict of one /24 (or /48) block in one round, and block state changes.

A :class:`BlockRound` is what the prober concluded about one block in one round (contract of
``netvigil probe run --format jsonl``). A :class:`BlockChange` is the raw observation the store keeps:
the block moved from one state to another, so detection can be re-run from the changes alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from netvigil.model.events import iso

BlockState = Literal["up", "down", "uncertain"]
BLOCK_STATES: Final[tuple[BlockState, ...]] = ("up", "down", "uncertain")


@dataclass(frozen=True, slots=True)
class BlockRound:
    """The prober's verdict on one block in one round: its state, belief P(up) and probes spent."""

    round: int
    time: int
    block: str
    state: BlockState
    belief: float
    probes: int

    def to_json(self) -> dict[str, object]:
        """One ``--format jsonl`` line: round, ISO time, block, state, belief (2 decimals), probes."""
        return {
            "round": self.round,
            "time": iso(self.time),
            "block": self.block,
            "state": self.state,
            "belief": round(self.belief, 2),
            "probes": self.probes,
        }


@dataclass(frozen=True, slots=True)
class BlockChange:
    """An observation: ``block`` went from ``previous`` (``None`` on first sight) to ``state``.

    ``entity`` is the entity the block counts for (usually an ``asn:`` or ``country:``), ``vantage``
    names the prober that saw it, ``time`` is the round's start in Unix seconds.
    """

    time: int
    block: str
    entity: str
    previous: BlockState | None
    state: BlockState
    belief: float
    probes: int
    round: int
    vantage: str
