"""Watch countries from public data: backfill each source window by window, then follow them live.

A backfill (:func:`backfill`) asks every chosen source for every watched entity, one aligned
window at a time (:func:`netvigil.sources.public.fetch_windows`). A window's data — signal points,
the source's own events, raw OONI measurements through the OONI importer, MRT files through the
BGP ingest — is stored in **one transaction together with its row in the fetch manifest**, so a
window is either wholly stored and recorded or not at all. A restarted run asks the manifest
which windows are complete and fetches only the others: nothing stored is fetched twice. A
window that reaches into the future is stored as incomplete and fetched again next time; that is
how the live phase (:class:`Follower`, a collector of the watch loop) keeps up.

Failures are data: a source that is offline, refuses our token or answers garbage is reported in
its :class:`~netvigil.model.foreign.SourceReport` and skipped, and the other sources go on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netvigil.geo.entities import EntityRegistry, default_registry
from netvigil.model.errors import SERVICE_WIDE_KINDS, SourceError
from netvigil.model.foreign import FetchRecord, ForeignEvent, SourceReport, Window
from netvigil.model.signals import SignalPoint
from netvigil.pipeline.bgp import ingest_bgp_files
from netvigil.pipeline.ooni import import_lines
from netvigil.sources import public
from netvigil.sources.http import SourceClient
from netvigil.sources.ooni import BadLine, Line, parse_line
from netvigil.sources.public import ArchiveSource, MeasurementSource, PublicSource
from netvigil.store.protocol import Store

WORLD = "*"
"""The manifest's entity for a source that fetches every country at once (the MRT archives)."""
DEFAULT_SOURCES = ("ioda", "ooni", "radar", "atlas")
"""What ``monitor`` follows unless told otherwise. The MRT archives (``ris``, ``routeviews``) are
asked for by name: a full RIB is about a gigabyte per collector and window."""

WindowDone = Callable[[str, str, Window, "Fetched"], None]


@dataclass(frozen=True, slots=True)
class Watchlist:
    """The entities a run watches: each country, its operators' networks and its regions."""

    entities: tuple[str, ...]
    _members: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_members", frozenset(self.entities))

    def keeps(self, entity: str) -> bool:
        """Whether a point about ``entity`` is worth storing (MRT archives map every country).

        Asked once per point of a BGP replay, hence a set.
        """
        return entity in self._members


def watchlist(countries: Sequence[str], registry: EntityRegistry | None = None) -> Watchlist:
    """``country:CC`` for each country, the networks of its operators we know, and its regions."""
    registry = registry or default_registry()
    entities: list[str] = []
    for cc in countries:
        entities.append(f"country:{cc}")
        entities.extend(f"asn:{op.asn}" for op in registry.operators_of(cc))
        entities.extend(str(region.id) for region in registry.regions(cc))
    return Watchlist(tuple(dict.fromkeys(entities)))


@dataclass(slots=True)
class Fetched:
    """Everything one window of one source gave, before it is stored."""

    points: list[SignalPoint] = field(default_factory=list)
    events: list[ForeignEvent] = field(default_factory=list)
    measurements: list[bytes] = field(default_factory=list)
    archives: list[Path] = field(default_factory=list)
    failure: SourceError | None = None
    """What broke part-way (the part that came is stored, the window stays incomplete)."""

    @property
    def empty(self) -> bool:
        """Whether the window brought nothing at all."""
        return not (self.points or self.events or self.measurements or self.archives)


def fetch_window(source: PublicSource, client: SourceClient, entity: str, window: Window) -> Fetched:
    """Ask ``source`` for one window of ``entity`` (all network I/O happens here, nothing is stored).

    When a request fails after others succeeded, what came is kept and the error is noted in
    ``failure``; a failure before anything came, or of the whole service, is raised.
    """
    fetched = Fetched()
    try:
        _fill(fetched, source, client, entity, window)
    except SourceError as error:
        if error.kind in SERVICE_WIDE_KINDS or fetched.empty:
            raise
        fetched.failure = error
    return fetched


def _fill(fetched: Fetched, source: PublicSource, client: SourceClient, entity: str, window: Window) -> None:
    """Add what ``source`` has for ``entity`` in ``window`` to ``fetched``, request by request."""
    since, until = window.start, window.end
    if isinstance(source, ArchiveSource):
        fetched.archives.extend(source.fetch_archives(client, since, until))
        return
    for batch in source.fetch_signals(client, entity, since, until):
        fetched.points.extend(batch)
    fetched.events.extend(source.fetch_events(client, entity, since, until))
    if isinstance(source, MeasurementSource):
        for documents in source.fetch_measurements(client, entity, since, until):
            fetched.measurements.extend(documents)


def _lines(documents: Iterable[bytes], bad: list[BadLine]) -> Iterable[Line]:
    """Raw OONI documents as the importer's lines; one that does not parse goes to ``bad``."""
    for number, raw in enumerate(documents, start=1):
        parsed = parse_line(raw)
        if isinstance(parsed, str):
            bad.append(BadLine(number, parsed))
        else:
            yield Line(number, parsed, raw)


def store_window(
    store: Store, record: FetchRecord, fetched: Fetched, watch: Watchlist
) -> tuple[int, int]:
    """Store one window and its manifest row in one transaction; returns (points, bad measurements)."""
    bad: list[BadLine] = []
    points = 0
    with store.transaction():
        if fetched.points:
            points += store.write_signals(fetched.points)
        store.foreign.add_events(fetched.events)
        if fetched.measurements:
            imported = import_lines(store, _lines(fetched.measurements, bad), bad, path=Path(record.source))
            points += imported.signal_points
        if fetched.archives:
            points += ingest_bgp_files(store, fetched.archives, keep=watch.keeps).points
        store.foreign.record_fetch(record)
    return points, len(bad)


@dataclass(slots=True)
class Backfill:
    """One pass over the sources for ``[since, until)``; :meth:`run` gives a report per source.

    ``env`` holds the base URLs, tokens and intervals (``os.environ`` by default); ``now`` says
    which windows are complete; ``stopping`` is polled between windows (a SIGTERM ends the pass
    cleanly); ``on_window`` hears of every window stored (progress bars); ``client_options`` are
    passed to each :class:`~netvigil.sources.http.SourceClient` (a test's clock, say).
    """

    store: Store
    watch: Watchlist
    sources: Sequence[str]
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    now: Callable[[], float] = time.time
    stopping: Callable[[], bool] = lambda: False
    on_window: WindowDone | None = None
    cache_root: Path | None = None
    client_options: Mapping[str, Any] = field(default_factory=dict)

    def run(self, since: int, until: int) -> list[SourceReport]:
        """Backfill every source; one that fails is reported and the others go on."""
        reports = []
        for name in self.sources:
            if self.stopping():
                break
            reports.append(self._source(name, since, until))
        return reports

    def plan(self, name: str, since: int, until: int) -> list[tuple[str, Window]]:
        """The (entity, window) pairs of source ``name`` still to fetch for ``[since, until)``."""
        source = public.get(name)
        windows = public.fetch_windows(since, until, source.window)
        todo: list[tuple[str, Window]] = []
        for entity in self.targets(source):
            done = self.store.foreign.completed(name, entity, since, until)
            todo.extend((entity, w) for w in windows if w not in done)
        return todo

    def targets(self, source: PublicSource) -> tuple[str, ...]:
        """The entities to ask ``source`` about.

        An archive of the whole world is asked once (:data:`WORLD`). Measurements are asked per
        country when the country is watched: a country's measurements hold its networks', so
        asking per network too would fetch each one twice.
        """
        if isinstance(source, ArchiveSource):
            return (WORLD,)
        countries = tuple(e for e in self.watch.entities if e.startswith("country:"))
        if isinstance(source, MeasurementSource) and countries:
            return countries
        return self.watch.entities

    def _source(self, name: str, since: int, until: int) -> SourceReport:
        """Backfill one source; its failures end up in its report."""
        source = public.get(name)
        report = SourceReport(name)
        options = {"env": self.env, "cache_root": self.cache_root, **self.client_options}
        asked: set[str] = set()
        answered: set[str] = set()
        with SourceClient(source.settings, **options) as client:
            for entity, window in self.plan(name, since, until):
                if self.stopping():
                    break
                try:
                    fetched = fetch_window(source, client, entity, window)
                except SourceError as error:
                    report += SourceReport(name, failures=(str(error),))
                    if error.kind in SERVICE_WIDE_KINDS:
                        break
                    continue
                asked.add(entity)
                if not fetched.empty:
                    answered.add(entity)
                report += self._stored(name, entity, window, fetched)
            silent = sorted(e for e in asked - answered if e.startswith("country:"))
            notes = tuple(f"{source.settings.label} has no data for {e} in this span" for e in silent)
            return client.report() + report + SourceReport(name, failures=notes)

    def _stored(self, name: str, entity: str, window: Window, fetched: Fetched) -> SourceReport:
        """Store one fetched window; what it added, as a report."""
        complete = window.complete(self.now()) and fetched.failure is None
        record = FetchRecord(
            name, entity, window.start, window.end, len(fetched.points), len(fetched.events),
            int(self.now()), complete,
        )  # fmt: skip
        points, bad = store_window(self.store, record, fetched, self.watch)
        if self.on_window is not None:
            self.on_window(name, entity, window, fetched)
        failures = [f"{name}: {bad} unreadable measurements skipped for {entity}"] if bad else []
        if fetched.failure is not None:
            failures.append(str(fetched.failure))
        return SourceReport(name, points=points, events=len(fetched.events), failures=tuple(failures))


@dataclass(slots=True)
class Follower:
    """The live phase: each round re-asks the sources for the recent windows not yet complete.

    Used as the watch loop's collector: it returns whether anything new was stored, so the loop
    knows to detect again.
    """

    backfill: Backfill
    lookback: int
    last_reports: list[SourceReport] = field(default_factory=list)

    def __call__(self) -> bool:
        """One live round; True when it stored something."""
        now = int(self.backfill.now())
        self.last_reports = self.backfill.run(now - self.lookback, now)
        return any(r.points or r.events for r in self.last_reports)
