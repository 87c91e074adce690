"""The streaming detector: fed one bin at a time, it keeps only a few weeks of state per series.

It shares the baseline state, fusion and trackers with the batch path, so feeding the same data
bin by bin gives the same events (tests/detect/test_streaming.py checks it). All series share
one step; bins nobody reported are gaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from netvigil.detect.baseline import BaselineState, half_width_for
from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import STORED, finalise, row_level, thresholds
from netvigil.detect.events import EntityTracker
from netvigil.detect.fusion import fuse
from netvigil.detect.grid import Grid, grid_covering
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
        self.entities: dict[str, list[int]] = {}
        for i, (entity, _) in enumerate(self.keys):
            self.entities.setdefault(entity, []).append(i)
        self.trackers = {
            entity: EntityTracker(
                entity,
                info[entity].name if entity in info else entity,
                tuple(self.keys[i][1] for i in rows),
                step,
                self.config,
            )
            for entity, rows in self.entities.items()
        }
        self.next_bin = 0
        self.row_values = np.full((len(self.keys), self.grid.period), np.nan, dtype=STORED)
        self._begin()

    def _begin(self) -> None:
        self.baseline, self.daily, self.masking = self.state.begin_row(self.config)
        self.row_values[:] = np.nan

    def _end(self) -> None:
        self.state.end_row(
            self.row_values.astype(np.float64),
            self.baseline,
            self.daily,
            self.masking,
            self.config,
            self.half,
        )

    def feed(self, time: int, values: Mapping[tuple[str, str], float]) -> None:
        """Process the bin containing ``time`` (and any skipped bins before it, as gaps)."""
        target = (time - self.grid.origin) // self.grid.step
        if target < self.next_bin:
            raise ValueError(f"time {time} is before the next expected bin; feed bins in order")
        while self.next_bin < target:
            self._process({})
        self._process(values)

    def _process(self, values: Mapping[tuple[str, str], float]) -> None:
        column = self.next_bin % self.grid.period
        for key, value in values.items():
            position = self.index.get(key)
            if position is not None:
                self.row_values[position, column] = value
        current = self.row_values[:, column].astype(np.float64)
        level = row_level(current, self.baseline[:, column]).astype(STORED).astype(np.float64)
        time = self.grid.origin + self.next_bin * self.grid.step
        relearning = ~self.masking
        for entity, rows in self.entities.items():
            fused = fuse(level[rows][:, None], self.trackers[entity].signals, self.config)
            self.trackers[entity].feed(
                time,
                float(fused.confidence[0]),
                float(fused.level[0]),
                fused.severity[:, 0].tolist(),
                bool(relearning[rows].any()),
            )
        self.next_bin += 1
        if column == self.grid.period - 1:
            self._end()
            self._begin()

    def raw_events(self) -> list[Event]:
        """Every entity event so far: ended ones and the ongoing ones."""
        events: list[Event] = []
        for tracker in self.trackers.values():
            events.extend(tracker.closed)
            ongoing = tracker.open_event()
            if ongoing is not None:
                events.append(ongoing)
        return events

    def events(self) -> list[Event]:
        """Events so far with scope, parents and children, as the batch detector gives them."""
        horizon = self.grid.origin + self.next_bin * self.grid.step
        return finalise(self.raw_events(), self.info, set(self.entities), self.config, horizon)
