from pathlib import Path

from netvigil.detect.config import DetectorConfig
from netvigil.detect.evaluate import summarise
from netvigil.pipeline.scenarios import evaluate_folder
from netvigil.sim.scenarios.files import write_scenario
from netvigil.sim.scenarios.library import ARCHETYPES, build, scenario_names

ONE_PER_ARCHETYPE = [f"{a}-" for a in ARCHETYPES]


def test_detector_meets_the_bar_on_one_scenario_per_archetype(tmp_path: Path) -> None:
    chosen = [
        next(n for n in scenario_names() if n.startswith(prefix) and n.endswith("-1"))
        for prefix in ONE_PER_ARCHETYPE
    ]
    scores = [
        evaluate_folder(write_scenario(build(n), tmp_path), DetectorConfig(), streaming=True) for n in chosen
    ]
    summary = summarise(scores)
    assert summary.precision >= 0.95, [s.notes for s in scores]
    assert summary.recall >= 0.95, [s.notes for s in scores]
    assert summary.median_start_error <= 1
    assert summary.max_blackout_delay <= 3
    detected = {s.archetype: s.detected for s in scores}
    assert [detected[a] for a in ("glitch", "holiday", "level_shift", "collector_gap")] == [0, 0, 0, 0]
    assert all(s.streaming_equal for s in scores), [s.name for s in scores if not s.streaming_equal]
