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


def test_short_history_scenarios_hold_two_days_and_their_event_on_the_second() -> None:
    scenario = build(next(n for n in scenario_names() if n.startswith("short_history-")))
    assert scenario.timeline.end - scenario.timeline.start == 2 * 86_400
    (label,) = scenario.labels
    assert scenario.timeline.start + 86_400 < label.start < label.end <= scenario.timeline.end


def test_partial_disruptions_sit_between_35_and_70_percent_with_routes_mostly_kept() -> None:
    for name in (n for n in scenario_names() if n.startswith("partial_national-")):
        scenario = build(name)
        (label,) = scenario.labels
        assert (label.kind, label.scope) == ("disruption", "national")
        assert 35 <= label.level <= 70
        routing = scenario.timeline.routing(label.entity, label.start)
        assert 0.85 <= routing <= 0.97


def test_recurring_cuts_leave_a_region_untouched() -> None:
    scenario = build(next(n for n in scenario_names() if n.startswith("recurring_cut-")))
    spared = max(scenario.timeline.regions, key=lambda r: r[1])[0]
    for label in scenario.labels:
        assert scenario.timeline.connectivity(f"region:{spared}", label.start) == 1.0
        assert label.level > 10 or label.kind == "blackout"


def test_no_event_archetypes_have_no_labels() -> None:
    for archetype in ("glitch", "holiday", "level_shift", "collector_gap"):
        assert build(next(n for n in scenario_names() if n.startswith(f"{archetype}-"))).labels == ()
