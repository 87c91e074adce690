"""The watch loop: ingest what arrived, detect over the new bins, hand the events on, repeat.

One round (:meth:`Watcher.run_once`):
0. run the collector, if any (``netvigil monitor`` plugs the public sources in here: it fetches
   the windows not yet complete and says whether it stored anything);
1. ingest every signal file dropped into the inbox (oldest first; dotfiles and ``*.part`` are
   ignored, so writers rename a finished file into place). A file is one transaction: it is moved
   to ``done/`` after it is stored, or to ``failed/`` with a ``FILE.error`` note beside it saying
   why (``FILE:LINE: reason``) if it cannot be read, and the round goes on with the next file.
   The file being read is named in the store (``watch.reading``) until it is moved: a run killed
   while reading it retries it once, and a file that two runs in a row died on is set aside in
   ``failed/`` unread, so a restart never trips over the same file again;
2. if anything new was stored (or a previous run stopped before detecting), rebuild the roll-ups
   and run the detector over the store (:func:`netvigil.pipeline.analyse.run_detection`);
3. call ``after_round`` with the events and whether detection ran (the CLI plugs the alert
   dispatcher and the dashboard's cache in here).

Stopping (SIGTERM via :meth:`Watcher.stop`) ends the loop between steps, never inside a
transaction. What is still queued stays queued: unread files remain in the inbox, a pending
detection is remembered in the store (``watch.pending_detection``) and undelivered alerts live in
the store's ledger, so a restart resumes where the last run stopped.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from netvigil.model.errors import InputError
from netvigil.model.events import Event
from netvigil.pipeline.analyse import run_detection
from netvigil.pipeline.ingest import ingest_signal_file
from netvigil.pipeline.rollups import ensure_rollups
from netvigil.store.protocol import Store

log = logging.getLogger("netvigil.watch")
SIGNAL_SUFFIXES: Final = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zst", ".jsonl", ".jsonl.gz")
PENDING: Final = "watch.pending_detection"
READING: Final = "watch.reading"
"""State key naming the inbox file being read, and how many runs started reading it."""
MAX_TRIES: Final = 2
KILLED: Final = (
    "netvigil stopped {tries} times while reading this file (killed or crashed) and set it aside "
    "so that a restart does not trip over it again; move it back into the inbox to try once more"
)
Detector = Callable[[Store], list[Event]]
AfterRound = Callable[[list[Event], bool], None]
Collector = Callable[[], bool]
"""Brings data in at the start of a round; returns whether it stored anything."""


@dataclass(frozen=True, slots=True)
class RoundReport:
    """What one round did."""

    ingested: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    detected: bool = False
    events: int = 0


def _default_detector(store: Store) -> list[Event]:
    return run_detection(store)


def inbox_files(inbox: Path) -> list[Path]:
    """Signal files waiting in the inbox, oldest first (then by name); one that vanishes is skipped."""
    found: list[tuple[float, str, Path]] = []
    for path in inbox.iterdir():
        if path.name.startswith(".") or not path.name.endswith(SIGNAL_SUFFIXES):
            continue
        try:
            if path.is_file():
                found.append((path.stat().st_mtime, path.name, path))
        except OSError:
            continue
    return [path for _, _, path in sorted(found)]


class Watcher:
    """The long-running loop over one store and one inbox directory."""

    def __init__(
        self,
        store: Store,
        inbox: Path | None,
        interval: float = 60.0,
        detector: Detector = _default_detector,
        after_round: AfterRound | None = None,
        collect: Collector | None = None,
    ) -> None:
        self.store = store
        self.collect = collect
        self.inbox = inbox
        self.interval = interval
        self.detector = detector
        self.after_round = after_round
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask the loop to end after the step it is in (safe from a signal handler)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stop.is_set()

    def _move(self, path: Path, folder: str, note: str | None = None) -> bool:
        """Move ``path`` into ``folder`` (with its note when it failed); False if the OS refused."""
        target = path.parent / folder
        try:
            target.mkdir(exist_ok=True)
            if note is not None:
                (target / f"{path.name}.error").write_text(note + "\n", "utf-8")
            path.replace(target / path.name)
        except OSError as exc:
            log.error("%s: cannot move it to %s/: %s; it stays in the inbox", path, folder, exc.strerror)
            return False
        return True

    def _tries_before(self, path: Path) -> int:
        """How many runs started reading ``path`` and died before moving it (0 if none)."""
        marked = json.loads(self.store.state.get(READING) or "{}")
        return int(marked.get("tries", 0)) if marked.get("file") == path.name else 0

    def _ingest_one(self, path: Path) -> str | None:
        """Ingest one inbox file; the reason it failed, or None when it was stored (or known)."""
        tries = self._tries_before(path)
        if tries >= MAX_TRIES:
            return f"{path}: {KILLED.format(tries=tries)}"
        self.store.state.set(READING, json.dumps({"file": path.name, "tries": tries + 1}))
        try:
            result = ingest_signal_file(self.store, path)
        except InputError as exc:
            return str(exc)
        if not result.skipped:
            self.store.state.set(PENDING, "1")
        return None

    def _ingest(self) -> tuple[list[str], list[str]]:
        done: list[str] = []
        failed: list[str] = []
        if self.inbox is None:
            return done, failed
        for path in inbox_files(self.inbox):
            if self.stopping:
                break
            reason = self._ingest_one(path)
            if reason is not None:
                log.warning("%s", reason)
            if self._move(path, "done" if reason is None else "failed", reason):
                (done if reason is None else failed).append(path.name)
            self.store.state.set(READING, "")
        return done, failed

    def run_once(self) -> RoundReport:
        """One round: collect, ingest, detect if needed, hand on."""
        if self.collect is not None and not self.stopping and self.collect():
            self.store.state.set(PENDING, "1")
        done, failed = self._ingest()
        events: list[Event] = []
        detected = False
        if self.store.state.get(PENDING) == "1" and not self.stopping:
            ensure_rollups(self.store)
            events = self.detector(self.store)
            self.store.state.set(PENDING, "0")
            detected = True
        if self.after_round is not None and not self.stopping:
            self.after_round(events, detected)
        return RoundReport(done, failed, detected, len(events))

    def run(self, on_round: Callable[[RoundReport], None] | None = None) -> None:
        """Rounds every ``interval`` seconds until :meth:`stop`."""
        while not self.stopping:
            started = time.monotonic()
            report = self.run_once()
            if on_round is not None:
                on_round(report)
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))
