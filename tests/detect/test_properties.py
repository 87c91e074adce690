"""Properties that must hold whatever the input: checked on generated series with hypothesis."""

import itertools
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netvigil.detect.engine import detect
from netvigil.detect.hierarchy import EntityInfo
from netvigil.pipeline.scenarios import load_series
from netvigil.sim.scenarios.files import write_series
from netvigil.sim.scenarios.generate import SeriesOut

from .helpers import T0, cut, cyclic, series

cuts = st.lists(
    st.tuples(st.floats(1.0, 6.5), st.floats(0.1, 30.0), st.floats(0.0, 1.2)), min_size=0, max_size=4
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts, st.integers(0, 1000))
def test_events_are_well_formed(spec: list[tuple[float, float, float]], seed: int) -> None:
    data = []
    for k, signal in enumerate(("probe", "traffic")):
        times, values = cyclic(7, seed=seed + k)
        for start_day, hours, depth in spec:
            values = cut(times, values, start_day, hours, depth)
        data.append(series("country:XX", signal, times, values))
    events = detect(data, {"country:XX": EntityInfo("X")}).events
    for event in events:
        assert event.start < (event.end or T0 + 8 * 86_400)
        assert 0 <= event.confidence <= 1 and event.level >= 0
        assert event.phases and event.phases[0].start == event.start
        for a, b in zip(event.phases, event.phases[1:], strict=False):
            assert a.end == b.start
    for a, b in itertools.pairwise(events):
        assert a.end is not None and a.end <= b.start


@settings(max_examples=30, deadline=None)
@given(
    # signals are counts, volumes or shares: a negative value is refused (docs/signals.md)
    st.lists(st.floats(0, 1e9, allow_nan=False, allow_infinity=False), min_size=2, max_size=50),
    st.sampled_from(["country:KZ", "region:KZ-75", "asn:29355", "service:whatsapp@country:KZ"]),
)
def test_signal_files_round_trip(tmp_path_factory: object, values: list[float], entity: str) -> None:
    folder = Path(str(tmp_path_factory.mktemp("rt")))  # type: ignore[attr-defined]
    times = T0 + 300 * np.arange(len(values), dtype=np.int64)
    path = folder / "s.csv.gz"
    write_series([SeriesOut(entity, "traffic", times, np.array(values))], path)
    back = load_series(path)
    assert len(back) == 1 and back[0].entity == entity
    np.testing.assert_array_equal(back[0].times, times)
    np.testing.assert_allclose(back[0].values, values, rtol=1e-9)
