import numpy as np

from netvigil.detect.config import DetectorConfig
from netvigil.detect.engine import detect
from netvigil.detect.hierarchy import EntityInfo

from .helpers import DAY, T0, cut, cyclic, series

INFO = {
    "country:XX": EntityInfo("Testland"),
    "region:XX-A": EntityInfo("A", "country:XX"),
    "region:XX-B": EntityInfo("B", "country:XX"),
    "asn:1": EntityInfo("Mobile One", "country:XX", "mobile"),
    "asn:2": EntityInfo("Fixed Two", "country:XX", "fixed"),
}


def country(depths: dict[str, float], start_day: float = 5, hours: float = 6, seed: int = 0) -> list:
    out = []
    for k, signal in enumerate(("probe", "traffic", "bgp")):
        times, values = cyclic(
            8,
            seed=seed + k,
            amplitude=0.0 if signal == "bgp" else 0.35,
            noise=0.002 if signal == "bgp" else 0.02,
        )
        out.append(
            series("country:XX", signal, times, cut(times, values, start_day, hours, depths.get(signal, 1.0)))
        )
    return out


def test_national_blackout_one_event_with_level_and_timing() -> None:
    found = detect(country({"probe": 0.03, "traffic": 0.03, "bgp": 0.7}), INFO).events
    assert len(found) == 1
    event = found[0]
    assert (event.kind, event.scope) == ("blackout", "national")
    assert event.start == T0 + 5 * DAY and event.end == T0 + 5 * DAY + 6 * 3600
    assert 1.5 < event.level < 5 and event.confidence > 0.7
    assert set(event.signals) == {"probe", "traffic", "bgp"}
    assert event.end_reason == "restored"


def test_one_glitching_signal_never_makes_an_event() -> None:
    assert detect(country({"probe": 0.0}, hours=0.5), INFO).events == []
    assert detect(country({"bgp": 0.1}, hours=0.5), INFO).events == []


def test_routes_staying_up_do_not_veto_a_data_plane_blackout() -> None:
    found = detect(country({"probe": 0.04, "traffic": 0.04}), INFO).events
    assert [(e.kind, e.scope) for e in found] == [("blackout", "national")]


def test_short_dip_below_min_duration_is_ignored() -> None:
    assert detect(country({"probe": 0.03, "traffic": 0.03}, hours=0.15), INFO).events == []


def test_partial_restoration_is_a_phase_not_a_new_event() -> None:
    signals = []
    for k, signal in enumerate(("probe", "traffic")):
        times, values = cyclic(8, seed=k)
        v = cut(times, values, 5, 12, 0.03)
        restored = (times >= T0 + 5 * DAY + 5 * 3600) & (times < T0 + 5 * DAY + 6 * 3600)
        v = np.where(restored, values * 0.4, v)
        full = (times >= T0 + 5 * DAY + 8 * 3600) & (times < T0 + 5 * DAY + 9 * 3600)
        v = np.where(full, values, v)
        signals.append(series("country:XX", signal, times, v))
    found = detect(signals, INFO).events
    assert len(found) == 1
    notes = [p.note for p in found[0].phases]
    assert notes == ["blackout", "partial restoration", "cut again", "brief restoration", "cut again"]


def test_disruption_versus_blackout_by_level() -> None:
    found = detect(country({"probe": 0.45, "traffic": 0.45}), INFO).events
    assert [(e.kind, round(e.level / 10)) for e in found] == [("disruption", 4)]


def test_ongoing_event_has_no_end() -> None:
    found = detect(country({"probe": 0.03, "traffic": 0.03}, start_day=7.5, hours=48), INFO).events
    assert len(found) == 1 and found[0].end is None and found[0].ongoing


def test_months_long_drop_is_rebaselined_not_forgotten() -> None:
    signals = []
    for k, signal in enumerate(("probe", "traffic")):
        times, values = cyclic(30, seed=k)
        signals.append(series("country:XX", signal, times, cut(times, values, 5, 25 * 24, 0.3)))
    found = detect(signals, INFO).events
    assert len(found) == 1
    event = found[0]
    assert event.start == T0 + 5 * DAY and event.end is not None and event.end_reason == "rebaselined"
    assert event.end - event.start > 7 * DAY
    assert event.phases[-1].note.startswith("baseline re-learned")


def regional(entity: str, depth: float) -> list:
    out = []
    for k, signal in enumerate(("probe", "traffic")):
        times, values = cyclic(8, seed=10 + k + hash(entity) % 7, level=300)
        out.append(series(entity, signal, times, cut(times, values, 5, 6, depth)))
    return out


def test_regional_blackout_is_regional_not_national() -> None:
    data = (
        country({"probe": 0.6, "traffic": 0.6}) + regional("region:XX-A", 0.03) + regional("region:XX-B", 1.0)
    )
    found = detect(data, INFO).events
    assert [(e.entity, e.scope, e.kind) for e in found] == [("region:XX-A", "regional", "blackout")]


def test_mobile_only_cut_is_network_scope() -> None:
    data = country({"probe": 0.5, "traffic": 0.45}) + regional("asn:1", 0.05) + regional("asn:2", 1.0)
    found = detect(data, INFO).events
    top = [e for e in found if e.parent_event is None]
    assert [(e.entity, e.scope, e.network_kinds) for e in top] == [("country:XX", "network", ("mobile",))]
    children = [e for e in found if e.parent_event == top[0].id]
    assert [(e.entity, e.kind) for e in children] == [("asn:1", "blackout")]
    assert top[0].children == ("asn:1",)


def test_settings_change_the_outcome() -> None:
    data = country({"probe": 0.45, "traffic": 0.45})
    assert detect(data, INFO).events
    lenient = DetectorConfig().with_overrides(
        {"probe.warning": 40, "probe.critical": 20, "traffic.warning": 40, "traffic.critical": 20}
    )
    assert detect(data, INFO, lenient).events == []


def test_a_public_source_signal_with_a_dot_in_its_name_takes_overrides() -> None:
    config = DetectorConfig().with_overrides({"ioda.ping-slash24.warning": 70, "end_hold_seconds": 600})
    assert config.rule("ioda.ping-slash24").warning == 70.0 and config.end_hold_seconds == 600
    assert config.rule("ioda.bgp") == config.rule("bgp") and config.rule("x.y") == config.rule("unknown")


def test_mobile_only_cut_carries_the_mobile_level_with_the_national_one_beside() -> None:
    data = country({"probe": 0.5, "traffic": 0.45}) + regional("asn:1", 0.05) + regional("asn:2", 1.0)
    found = detect(data, INFO).events
    top = next(e for e in found if e.parent_event is None)
    mobile = next(e for e in found if e.entity == "asn:1")
    assert top.level == mobile.level and top.level < 10 and top.kind == "blackout"
    assert top.national_level is not None and 40 < top.national_level < 60
    assert top.to_json()["national_level"] == round(top.national_level, 1)
