"""Whether a store's data is synthetic, kept with the data so every later view and download says so.

The mark is a note in the store's state (``data.synthetic``), written by whatever fills a store with
made-up data (the Kazakhstan replay, ``report --synthetic``, test fixtures) and read by the
dashboard, whose downloaded charts then carry a SYNTHETIC mark, and by every later report. A store
without the note holds observed data.
"""

from __future__ import annotations

from typing import Final

from netvigil.store import Store

SYNTHETIC_STATE: Final = "data.synthetic"
REPLAY_NOTE: Final = "synthetic replay of Kazakhstan, January 2022, timed from the public record"


def mark_synthetic(store: Store, note: str) -> None:
    """Record that the store's data is synthetic, with a note saying what it is.

    The first note stays (a later ``report --synthetic`` does not replace what the replay said).
    The flag is per store, not per series: a store mixing measured and synthetic data is said to be
    synthetic, which never claims more than the evidence.
    """
    if synthetic_note(store) is None:
        store.state.set(SYNTHETIC_STATE, note.strip() or "synthetic data")


def synthetic_note(store: Store) -> str | None:
    """The note if the store's data is synthetic, else None."""
    return store.state.get(SYNTHETIC_STATE) or None


def is_synthetic(store: Store) -> bool:
    """Whether the store was marked as holding synthetic data."""
    return synthetic_note(store) is not None
