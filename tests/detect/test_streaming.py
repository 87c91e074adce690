from pathlib import Path

import numpy as np
import pytest

from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import detect
from netvigil.detect.streaming import StreamingDetector
from netvigil.pipeline.analyse import entity_info
from netvigil.pipeline.scenarios import load_series, stream
from netvigil.sim.scenarios.files import write_scenario
from netvigil.sim.scenarios.library import build


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
