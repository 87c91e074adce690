"""netvigil's events beside another observatory's: matched by entity and time, with agreement figures.

Another observatory often reports one outage several times (IODA: one event per datasource and
an alert at each change of level), so its events of one entity that overlap or lie within
``join`` seconds of each other are first merged into one **episode**. A netvigil event and an
episode of the same entity **match** when their spans overlap once each is widened by ``slack``
seconds (an instant alert then still meets the event it belongs to). Precision is the share of
netvigil's events that match an episode; recall the share of episodes that match a netvigil event
— each side judged against the other, since neither is ground truth.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from netvigil.model.entities import parse_entity
from netvigil.model.events import Event
from netvigil.model.foreign import ForeignEvent

DEFAULT_JOIN = 3 * 3600
DEFAULT_SLACK = 3600


@dataclass(frozen=True, slots=True)
class Episode:
    """Another observatory's view of one outage of one entity: its merged events."""

    source: str
    entity: str
    start: int
    end: int | None
    events: tuple[ForeignEvent, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of the merged events (datasource and method, alert or event), once each."""
        return tuple(sorted({e.kind for e in self.events}))


@dataclass(frozen=True, slots=True)
class Match:
    """A netvigil event and an episode that describe the same outage."""

    event: Event
    episode: Episode

    @property
    def overlap(self) -> int:
        """Seconds both spans share (an open end counts as the other's end, or as its start)."""
        ours_end = self.event.end if self.event.end is not None else self.episode.end
        theirs_end = self.episode.end if self.episode.end is not None else ours_end
        last = min(ours_end or self.event.start, theirs_end or self.episode.start)
        return max(0, last - max(self.event.start, self.episode.start))

    @property
    def event_seconds(self) -> int:
        """Our event's length (an open end counts as the episode's end, or as its start)."""
        end = self.event.end if self.event.end is not None else self.episode.end
        return max(0, (end or self.event.start) - self.event.start)

    @property
    def episode_seconds(self) -> int:
        """The episode's length (an open end counts as our event's end, or as its start)."""
        end = self.episode.end if self.episode.end is not None else self.event.end
        return max(0, (end or self.episode.start) - self.episode.start)

    @property
    def start_delta(self) -> int:
        """Our start minus theirs, in seconds (negative: netvigil saw it first)."""
        return self.event.start - self.episode.start


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome over one span: matches, what only one side saw, and the figures."""

    source: str
    matches: tuple[Match, ...]
    only_ours: tuple[Event, ...]
    only_theirs: tuple[Episode, ...]
    ours: int
    theirs: int
    notes: tuple[str, ...] = field(default=())

    @property
    def precision(self) -> float | None:
        """Share of netvigil's events they also saw (None when netvigil saw none)."""
        return (self.ours - len(self.only_ours)) / self.ours if self.ours else None

    @property
    def recall(self) -> float | None:
        """Share of their episodes netvigil also saw (None when they saw none)."""
        return (self.theirs - len(self.only_theirs)) / self.theirs if self.theirs else None

    @property
    def median_start_delta(self) -> float | None:
        """Median of netvigil's start minus theirs, in seconds, over each episode's closest match.

        The closest match of an episode is, among the netvigil events that share at least half of
        the shorter of the two spans with it, the one that starts nearest its start (the longest
        overlap when none shares that much). So a neighbouring event that merely touches it (a
        mobile cut the day before) does not count, while an episode that began with the mobile
        cut and went on through the blackout is timed from our mobile event, not the blackout.
        """
        per_episode: dict[int, list[Match]] = {}
        for m in self.matches:
            per_episode.setdefault(id(m.episode), []).append(m)
        best = [_closest(found) for found in per_episode.values()]
        return statistics.median(m.start_delta for m in best) if best else None


def _closest(matches: Sequence[Match]) -> Match:
    """The match of one episode that times it (see :attr:`Comparison.median_start_delta`)."""
    shared = [m for m in matches if 2 * m.overlap >= min(m.event_seconds, m.episode_seconds)]
    if not shared:
        return max(matches, key=lambda m: m.overlap)
    return min(shared, key=lambda m: abs(m.start_delta))


def spans_meet(a_start: int, a_end: int | None, b_start: int, b_end: int | None, slack: int) -> bool:
    """Whether two spans (``None``: still going) overlap once each is widened by ``slack`` seconds."""
    a_before_b_ends = b_end is None or a_start < b_end + slack
    b_before_a_ends = a_end is None or b_start < a_end + slack
    return a_before_b_ends and b_before_a_ends


def episodes(events: Sequence[ForeignEvent], join: int = DEFAULT_JOIN) -> list[Episode]:
    """Their events merged per entity: overlapping or less than ``join`` seconds apart."""
    merged: list[Episode] = []
    for event in sorted(events, key=lambda e: (e.source, e.entity, e.start)):
        last = merged[-1] if merged else None
        if last is not None and (last.source, last.entity) == (event.source, event.entity) and spans_meet(
            last.start, last.end, event.start, event.end, join
        ):
            end = None if last.end is None or event.end is None else max(last.end, event.end)
            merged[-1] = Episode(last.source, last.entity, last.start, end, (*last.events, event))
        else:
            merged.append(Episode(event.source, event.entity, event.start, event.end, (event,)))
    return merged


def verdict_events(
    source: str,
    entity: str,
    times: npt.NDArray[np.int64],
    tested: npt.NDArray[np.float64],
    anomalous: npt.NDArray[np.float64],
    *,
    share: float = 0.5,
    min_tests: int = 3,
    step: int = 3600,
) -> list[ForeignEvent]:
    """Bins where a source's own verdicts call at least ``share`` of at least ``min_tests`` tests anomalous.

    OONI publishes verdicts, not outages: its aggregation counts per hour (tests run, anomalies
    and confirmed blocks) become one event per such hour, which :func:`episodes` then merges.
    """
    return [
        ForeignEvent(source, entity, int(t), int(t) + step, "verdicts:anomalous", f"{entity}/{int(t)}")
        for t, n, bad in zip(times.tolist(), tested.tolist(), anomalous.tolist(), strict=True)
        if n >= min_tests and bad / n >= share
    ]


def scope_of(event: Event) -> Event:
    """A service event as one of the network it was seen in: ``service:x@country:KZ`` → ``country:KZ``."""
    scope = parse_entity(event.entity).scope
    return event if scope is None else replace(event, entity=str(scope))


def compare(
    source: str,
    ours: Sequence[Event],
    theirs: Sequence[ForeignEvent],
    *,
    join: int = DEFAULT_JOIN,
    slack: int = DEFAULT_SLACK,
) -> Comparison:
    """Match netvigil's events with the source's episodes (see the module docstring)."""
    found = episodes([e for e in theirs if e.source == source], join)
    matches = [
        Match(event, episode)
        for event in ours
        for episode in found
        if event.entity == episode.entity
        and spans_meet(event.start, event.end, episode.start, episode.end, slack)
    ]
    matched_ours = {id(m.event) for m in matches}
    matched_theirs = {id(m.episode) for m in matches}
    return Comparison(
        source,
        tuple(matches),
        tuple(e for e in ours if id(e) not in matched_ours),
        tuple(e for e in found if id(e) not in matched_theirs),
        len(ours),
        len(found),
    )
