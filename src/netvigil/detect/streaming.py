"""The streaming detector: fed one bin at a time, it keeps only a few weeks of state per series.

It shares the baseline state, fusion and trackers with the batch path, so feeding the same data
bin by bin gives the same events (tests/detect/test_streaming.py checks it). All series share
one step; bins nobody reported are gaps.

Built for many series (75,000 entities x 4 signals): a bin's work is a few numpy operations over
every series at once — the baseline of that one bin, the level, and the fusion of every entity's
signals laid out as (signal slot x entity) — and Python runs only for entities that have
something going on. An entity gets a tracker when its confidence first crosses the start
threshold and loses it when the tracker is idle again (an idle tracker fed a normal bin or a gap
does nothing, so skipping it changes nothing). The baseline history takes each bin as it comes
(:meth:`BaselineState.add_bin`), so the bin that ends a day costs no more than any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from netvigil.detect.baseline import BaselineState, PartialRow, half_width_for
from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import STORED, finalise, row_level, thresholds
from netvigil.detect.events import EntityTracker, State
from netvigil.detect.fusion import Rules, fuse_with
from netvigil.detect.grid import FloatArray, Grid, IntArray, grid_covering
from netvigil.detect.hierarchy import EntityInfo
from netvigil.model.events import Event


class StreamingDetector:
    """Per-bin detection over a fixed set of series of one step."""

    def __init__(
        self,
        keys: Sequence[tuple[str, str]],
        step: int,
        start: int,
        info: Mapping[str, EntityInfo],
        config: DetectorConfig | None = None,
    ) -> None:
        self.config = config or DetectorConfig()
        self.info = info
        self.keys = sorted(keys, key=lambda k: (k[0], k[1]))
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.grid: Grid = grid_covering(step, start, start)
        self.state = BaselineState.empty(
            len(self.keys), self.grid, thresholds(self.keys, self.config), self.config
        )
        self.half = half_width_for(step, self.config)
        self._lay_out_entities()
        self.trackers: dict[str, EntityTracker] = {}
        self.closed: dict[str, list[Event]] = {}
        self.next_bin = 0
        self.row_values = np.full((len(self.keys), self.grid.period), np.nan, dtype=STORED)
        self.row = PartialRow.empty(len(self.keys), self.grid.period, self.half)
        self.masking = self.state.masking(self.config)
        self.row_spread = self._spread_of_row()

    def _lay_out_entities(self) -> None:
        """Entities in order, and ``slots``: the series of each (signal slot x entity), -1 for none."""
        names: list[str] = []
        members: list[list[int]] = []
        for i, (entity, _) in enumerate(self.keys):
            if not names or names[-1] != entity:
                names.append(entity)
                members.append([])
            members[-1].append(i)
        self.entity_names = names
        self.position = {name: e for e, name in enumerate(names)}
        self.entities = dict(zip(names, members, strict=True))
        width = max((len(m) for m in members), default=0)
        self.slots: IntArray = np.full((width, len(names)), -1, dtype=np.int64)
        for e, rows in enumerate(members):
            self.slots[: len(rows), e] = rows
        self.present = self.slots >= 0
        self.signals = [tuple(self.keys[i][1] for i in rows) for rows in members]
        slot_signals = [self.keys[int(i)][1] if i >= 0 else None for i in self.slots.reshape(-1)]
        self.rules = Rules.of(slot_signals, self.config).reshaped(self.slots.shape)

    def memory_bytes(self) -> int:
        """Bytes of state held: baseline history plus the current row's buffers."""
        row = (self.row.clean_sum, self.row.clean_count, self.row.season_sum, self.row.season_count)
        buffers = self.row_values.nbytes + self.row.daily.nbytes + self.row.residual.nbytes
        buffers += self.row_spread.nbytes + sum(a.nbytes for a in row)
        return self.state.nbytes() + buffers + self.slots.nbytes

    def feed(self, time: int, values: Mapping[tuple[str, str], float]) -> None:
        """Process the bin containing ``time`` (and any skipped bins before it, as gaps)."""
        column = self._advance_to(time)
        for key, value in values.items():
            position = self.index.get(key)
            if position is not None:
                self.row_values[position, column] = value
        self._process()

    def feed_array(self, time: int, values: npt.ArrayLike) -> None:
        """Like :meth:`feed` with one value per series in the order of ``keys`` (NaN: no data)."""
        column = self._advance_to(time)
        self.row_values[:, column] = values
        self._process()

    def _advance_to(self, time: int) -> int:
        """Process skipped bins as gaps; the column of ``time``'s bin in the current row."""
        target = (time - self.grid.origin) // self.grid.step
        if target < self.next_bin:
            raise ValueError(f"time {time} is before the next expected bin; feed bins in order")
        while self.next_bin < target:
            self._process()
        return self.next_bin % self.grid.period

    def _spread_of_row(self) -> FloatArray:
        """The noise of every series for the row about to start, per block, as batch stores it."""
        return self.state.spread_blocks(self.config).astype(STORED).astype(np.float64)

    def _process(self) -> None:
        column = self.next_bin % self.grid.period
        baseline, daily, _ = self.state.begin_row(self.config, slice(column, column + 1))
        current = self.row_values[:, column].astype(np.float64)
        level = row_level(current, baseline[:, 0]).astype(STORED).astype(np.float64)
        spread = self.row_spread[:, column // self.state.block]
        self._track(self.grid.origin + self.next_bin * self.grid.step, level, spread)
        self.state.add_bin(self.row, current, baseline[:, 0], daily[:, 0], self.masking)
        self.next_bin += 1
        if column == self.grid.period - 1:
            self.masking = self.state.masking(self.config)
            self.row_spread = self._spread_of_row()
            self.row_values[:] = np.nan

    def _gathered(self, per_series: npt.NDArray[Any], empty: float) -> npt.NDArray[Any]:
        """A per-series array laid out as (signal slot x entity), ``empty`` where a slot is unused."""
        return np.where(self.present, per_series[np.maximum(self.slots, 0)], empty)

    def _track(self, time: int, level: FloatArray, spread: FloatArray) -> None:
        """Fuse every entity's signals for one bin and feed the trackers of entities in play."""
        fused = fuse_with(
            self._gathered(level, np.nan), self.rules, self.config, self._gathered(spread, np.nan)
        )
        relearning = np.any(self._gathered(~self.masking, False).astype(np.bool_), axis=0)
        starting = np.flatnonzero(fused.confidence >= self.config.start_confidence).tolist()
        for e in sorted({*starting, *(self.position[name] for name in self.trackers)}):
            tracker = self._tracker(e)
            count = len(tracker.signals)
            tracker.feed(
                time,
                float(fused.confidence[e]),
                float(fused.level[e]),
                fused.severity[:count, e].tolist(),
                bool(relearning[e]),
            )
            if tracker.state is State.IDLE:
                self._retire(tracker)

    def _tracker(self, e: int) -> EntityTracker:
        name = self.entity_names[e]
        tracker = self.trackers.get(name)
        if tracker is None:
            label = self.info[name].name if name in self.info else name
            tracker = EntityTracker(name, label, self.signals[e], self.grid.step, self.config)
            self.trackers[name] = tracker
        return tracker

    def _retire(self, tracker: EntityTracker) -> None:
        """Keep an idle tracker's finished events and drop the tracker."""
        if tracker.closed:
            self.closed.setdefault(tracker.entity, []).extend(tracker.closed)
        del self.trackers[tracker.entity]

    def raw_events(self) -> list[Event]:
        """Every entity event so far, entity by entity: ended ones, then the ongoing one."""
        events: list[Event] = []
        for entity in sorted(set(self.closed) | set(self.trackers)):
            events.extend(self.closed.get(entity, ()))
            tracker = self.trackers.get(entity)
            if tracker is not None:
                events.extend(tracker.closed)
                ongoing = tracker.open_event()
                if ongoing is not None:
                    events.append(ongoing)
        return events

    def events(self) -> list[Event]:
        """Events so far with scope, parents and children, as the batch detector gives them."""
        horizon = self.grid.origin + self.next_bin * self.grid.step
        return finalise(self.raw_events(), self.info, set(self.entities), self.config, horizon)
