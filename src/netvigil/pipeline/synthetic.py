"""The synthetic flag, kept in the store with the data, so every later report on it says so.

A store that ever received synthetic data (the Kazakhstan replay, a report asked for with
``--synthetic``) carries one marker row in its ingest ledger, under a fixed key that no content
digest can take. The flag is per store, not per series: a store mixing measured and synthetic
data is reported as synthetic, which never claims more than the evidence.
"""

from __future__ import annotations

import time
from typing import Final

from netvigil.model.series import IngestRecord
from netvigil.store.protocol import SignalStore

MARKER: Final = "synthetic-data"
"""The ingest ledger key of the marker (content digests are 64 hex digits, so never this)."""


def mark_synthetic(store: SignalStore, what: str, now: int | None = None) -> None:
    """Record that ``store`` holds synthetic data (``what`` says which); a second mark is a no-op."""
    if is_synthetic(store):
        return
    record = IngestRecord(MARKER, what, "synthetic", 0, int(time.time()) if now is None else now)
    store.ingest_signals((), record)


def is_synthetic(store: SignalStore) -> bool:
    """Whether ``store`` was marked as holding synthetic data."""
    return store.is_ingested(MARKER) is not None
