"""What other observatories publish, as netvigil data: their events, and how a fetch from them went.

Signals from public sources need no type of their own: they are ordinary
:class:`~netvigil.model.signals.SignalPoint` values whose ``signal`` is named by the source
(``ioda.ping-slash24``, ``radar.traffic``, ``atlas``) and whose ``source`` field names the source
(``ioda``, ``radar``, ``atlas``, ``ooni``, ``ris``, ``routeviews``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ForeignEvent:
    """An outage event or alert seen by another observatory, mapped to a netvigil entity.

    ``kind``, ``level`` and ``score`` are kept as the source gives them (IODA's alert level
    ``critical``/``warning`` and event score, Radar's anomaly type, …): comparing them with
    netvigil's own events is the job of ``compare``, not of this record. Times are Unix seconds
    (UTC); ``end`` is None while the source says the event goes on.

    ``members`` names, in the source's own ids, what the event is made of when the source's
    evidence is a set of things rather than one series: the RIPE Atlas probes of a
    disconnection burst (``("6007", "6012", …)``), so they can be stored and shown as evidence.
    It is empty for sources whose events are about the entity as a whole (IODA, Radar).
    """

    source: str
    entity: str
    start: int
    end: int | None
    kind: str
    source_id: str
    url: str = ""
    level: str | None = None
    score: float | None = None
    members: tuple[str, ...] = ()

    @property
    def ongoing(self) -> bool:
        """Whether the source has not ended the event yet."""
        return self.end is None

    def overlaps(self, since: int, until: int) -> bool:
        """Whether the event overlaps ``[since, until)``; an event of one instant does when it lies inside."""
        if self.start >= until:
            return False
        return self.end is None or self.end > since or self.start >= since


@dataclass(frozen=True, slots=True)
class SourceReport:
    """How one fetch from one source went: what came in, what it cost, what failed.

    ``failures`` holds one-line messages (a :class:`~netvigil.model.errors.SourceError`'s text),
    so a run can say "IODA: 3 windows fetched; Radar: needs a token" and go on.
    """

    source: str
    points: int = 0
    events: int = 0
    requests: int = 0
    bytes: int = 0
    cache_hits: int = 0
    retries: int = 0
    failures: tuple[str, ...] = ()

    def __add__(self, other: SourceReport) -> SourceReport:
        """The two reports of one source summed (e.g. over windows)."""
        return SourceReport(
            self.source,
            self.points + other.points,
            self.events + other.events,
            self.requests + other.requests,
            self.bytes + other.bytes,
            self.cache_hits + other.cache_hits,
            self.retries + other.retries,
            self.failures + other.failures,
        )


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """A span ``[start, end)`` of Unix seconds, aligned to its size: the unit of resumable fetching.

    The same span always cuts into the same windows, so a window once stored is known by its
    (source, entity, start, end) and never fetched again. A window is complete once ``end`` has
    passed; a window that reaches into the future is fetched again until it is.
    """

    start: int
    end: int

    def complete(self, now: float) -> bool:
        """Whether the whole window lies in the past at ``now``."""
        return self.end <= now


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One window of one source fetched and stored for one entity: a row of the fetch manifest.

    ``entity`` is ``*`` for a source that fetches the whole world at once (the MRT archives).
    A record with ``complete`` False marks a window that reached into the future when it was
    fetched: it is fetched again until a run stores it complete, and never after that.
    """

    source: str
    entity: str
    start: int
    end: int
    points: int
    events: int
    fetched_at: int
    complete: bool

    @property
    def window(self) -> Window:
        """The window this record covers."""
        return Window(self.start, self.end)
