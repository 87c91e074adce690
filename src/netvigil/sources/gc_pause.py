"""Pause Python's cyclic garbage collector around a decode or replay of many long-lived objects."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector inside the block; it is enabled again after if it was before.

    A routing table is millions of long-lived objects without reference cycles; the collector
    kept rescanning them and took half the time (measured: 27 s vs 13 s CPU on 2 M RIB entries).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
