"""The scenario library: enough scenarios and countries; deterministic files that say they are synthetic."""

from pathlib import Path

from netvigil.sim.scenarios.files import write_scenario
from netvigil.sim.scenarios.library import ARCHETYPES, build, scenario_names


def test_library_has_40_scenarios_over_8_countries() -> None:
    names = scenario_names()
    assert len(names) >= 40
    assert len({n.rsplit("-", 2)[1] for n in names}) >= 8
    assert {n.rsplit("-", 2)[0] for n in names} == set(ARCHETYPES)


def test_scenarios_are_deterministic_and_labelled(tmp_path: Path) -> None:
    a = write_scenario(build("curfew-uz-0"), tmp_path / "a")
    b = write_scenario(build("curfew-uz-0"), tmp_path / "b")
    assert (a / "signals.csv.gz").read_bytes() == (b / "signals.csv.gz").read_bytes()
    assert '"synthetic": true' in (a / "labels.json").read_text()
