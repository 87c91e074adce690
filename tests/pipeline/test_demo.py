from pathlib import Path

import pytest

from netvigil.detect.events import lowest_within
from netvigil.model.events import Event, parse_iso
from netvigil.pipeline.demo import national_event, run_demo, shutdown_in_order
from netvigil.serve.views import severity_label


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[Event]:
    out = tmp_path_factory.mktemp("demo")
    result = run_demo(out, None)
    assert result.events_path.exists() and result.db_path.exists()
    return result.events


def test_one_national_blackout_starting_on_5_january(demo: list[Event]) -> None:
    national = [e for e in demo if e.scope == "national" and e.parent_event is None]
    assert len(national) == 1
    event = national[0]
    assert event.kind == "blackout" and event.entity == "country:KZ"
    assert parse_iso("2022-01-05T10:15:00Z") <= event.start <= parse_iso("2022-01-05T11:30:00Z")
    assert event.level < 5
    assert event.end is not None and abs(event.end - parse_iso("2022-01-11T02:15:00Z")) <= 1800
    assert national_event(demo) == event


def test_partial_restorations_are_phases(demo: list[Event]) -> None:
    event = national_event(demo)
    assert event is not None
    notes = [p.note for p in event.phases]
    assert notes.count("partial restoration") >= 3 and "cut again" in notes
    night = [p for p in event.phases if p.start == parse_iso("2022-01-05T19:00:00Z")]
    assert night and night[0].note == "partial restoration" and 20 < night[0].level < 40


def test_mobile_degradation_on_4_january_is_network_scope(demo: list[Event]) -> None:
    mobile = [e for e in demo if e.parent_event is None and e.scope == "network"]
    assert len(mobile) == 1
    event = mobile[0]
    assert event.network_kinds == ("mobile",)
    assert parse_iso("2022-01-04T14:00:00Z") <= event.start <= parse_iso("2022-01-04T17:00:00Z")
    assert {"asn:29355", "asn:48503"} <= set(event.children)
    assert "asn:9198" not in event.children


def test_the_mobile_cut_is_at_the_mobile_networks_level_with_the_national_one_beside(
    demo: list[Event],
) -> None:
    event = next(e for e in demo if e.parent_event is None and e.scope == "network")
    networks = [e for e in demo if e.entity in ("asn:29355", "asn:48503")]
    assert event.end is not None
    lows = [lowest_within(n, event.start, event.end) or 100.0 for n in networks]
    assert event.level == pytest.approx(sum(lows) / len(lows)) and event.level < 5
    assert event.national_level is not None and event.national_level > 40
    assert event.kind == "blackout" and severity_label(event.level) == "severe"


def test_almaty_is_restored_before_the_country(demo: list[Event]) -> None:
    almaty = [e for e in demo if e.entity == "region:KZ-75"]
    national = national_event(demo)
    assert len(almaty) == 1 and national is not None
    assert almaty[0].parent_event == national.id
    assert almaty[0].end is not None and national.end is not None
    assert abs(almaty[0].end - parse_iso("2022-01-10T01:40:00Z")) <= 1800
    assert almaty[0].end < national.end


def test_demo_is_idempotent(tmp_path: Path) -> None:
    first = run_demo(tmp_path, None).events
    second = run_demo(tmp_path, None).events
    assert first == second


def test_the_shutdown_begins_with_whatsapp_and_telegram_degraded_in_almaty(demo: list[Event]) -> None:
    regional = [e for e in demo if e.is_service and e.scope == "regional"]
    first = min(regional, key=lambda e: e.start)
    assert first.entity == "service:whatsapp@region:KZ-75" and first.services == ("whatsapp", "telegram")
    assert parse_iso("2022-01-04T04:00:00Z") <= first.start <= parse_iso("2022-01-04T08:00:00Z")
    note = first.phases[0].note
    assert note.startswith("WhatsApp and Telegram degraded in Almaty: blocked")
    assert "country-wide" not in note  # Telegram and Signal were blocked country-wide only later
    assert "almaty-kcell (AS29355)" in note
    assert {e.place for e in regional} == {"region:KZ-75", "region:KZ-71"}  # Aktau (KZ-47) stays fine
    story = [what for _, what in shutdown_in_order(demo)]
    assert story[0].startswith("WhatsApp and Telegram degraded in Almaty (seen by ")
    assert story[1].startswith("WhatsApp degraded in Astana")
    assert story[2] == "Telegram and Signal blocked country-wide"
    assert story[3].startswith("mobile networks cut in Kazakhstan (Kar-Tel")
    assert story[4].startswith("nation-scale blackout")
    assert story[5].startswith("Almaty restored")
    times = [t for t, _ in shutdown_in_order(demo)]
    assert times == sorted(times)


def test_the_events_begin_with_the_city_services(demo: list[Event]) -> None:
    top = [e for e in demo if e.parent_event is None]
    assert min(top, key=lambda e: e.start).entity == "service:whatsapp@region:KZ-75"
    blocked = [e for e in top if e.entity in ("service:telegram@country:KZ", "service:signal@country:KZ")]
    assert {e.start for e in blocked} == {parse_iso("2022-01-04T14:00:00Z")}
