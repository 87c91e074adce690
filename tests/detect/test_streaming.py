from pathlib import Path

import numpy as np
import pytest

from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import Series, detect
from netvigil.detect.streaming import StreamingDetector
from netvigil.pipeline.analyse import entity_info
from netvigil.pipeline.scenarios import load_series, stream
from netvigil.sim.scenarios.files import write_scenario
from netvigil.sim.scenarios.library import build

from .helpers import cut, cyclic, series


@pytest.mark.parametrize("name", ["long_blackout-sy-0", "mobile_cut-kz-0", "curfew-uz-0", "glitch-pk-0"])
def test_streaming_gives_the_same_events_as_batch(tmp_path: Path, name: str) -> None:
    folder = write_scenario(build(name), tmp_path)
    data = load_series(folder / "signals.csv.gz")
    config = DetectorConfig()
    batch = detect(data, entity_info({s.entity for s in data}), config).events
    streamed = stream(data, 300, config)
    assert streamed == batch
    if name != "glitch-pk-0":
        assert batch


def test_streaming_rejects_time_going_backwards() -> None:
    detector = StreamingDetector([("country:XX", "probe")], 300, 0, {})
    detector.feed(600, {("country:XX", "probe"): 1.0})
    with pytest.raises(ValueError, match="in order"):
        detector.feed(300, {})
    assert np.isnan(detector.row_values[0, 0])


def _two_cut_series() -> list[Series]:
    """Three entities over twelve days: one with two separate cuts, one with one, one quiet."""
    out: list[Series] = []
    for n, entity in enumerate(("asn:64512", "asn:64513", "asn:64514")):
        for k, signal in enumerate(("bgp", "probe", "traffic")):
            times, values = cyclic(12, seed=10 * n + k)
            if entity == "asn:64512":
                values = cut(times, cut(times, values, 8.2, 5, 0.02), 10.5, 3, 0.02)
            if entity == "asn:64513":
                values = cut(times, values, 9.4, 6, 0.3)
            out.append(series(entity, signal, times, values))
    return out


@pytest.mark.parametrize("settings", [{}, {"smooth_seconds": 0}, {"smooth_seconds": 3600}])
def test_streaming_equals_batch_when_trackers_come_and_go(settings: dict[str, int]) -> None:
    data = _two_cut_series()
    config = DetectorConfig().with_overrides(settings)
    batch = detect(data, entity_info({s.entity for s in data}), config).events
    assert stream(data, 300, config) == batch
    assert [e.entity for e in batch].count("asn:64512") == 2


def test_feeding_arrays_equals_feeding_mappings() -> None:
    data = _two_cut_series()
    keys = [(s.entity, s.signal) for s in data]
    by_map = StreamingDetector(keys, 300, int(data[0].times[0]), {})
    by_array = StreamingDetector(keys, 300, int(data[0].times[0]), {})
    for b, time in enumerate(data[0].times.tolist()):
        by_map.feed(time, {(s.entity, s.signal): float(s.values[b]) for s in data})
        by_array.feed_array(time, [float(s.values[b]) for s in data])
    assert by_map.events() == by_array.events()
    assert by_array.events()
    assert not by_array.trackers or all(t.state.value != "idle" for t in by_array.trackers.values())
