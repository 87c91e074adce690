"""The shutdown in order: the steps a country's events tell, never one that was not detected."""

from __future__ import annotations

from netvigil.detect.story import place_statement, shutdown_story
from tests.detect.story_events import ALMATY, EVENTS, T0, H, event


def test_the_kazakh_story_in_order() -> None:
    story = shutdown_story(EVENTS, "KZ")
    assert [(s.time - T0, s.stage, s.what) for s in story] == [
        (4 * H, "place_services", ALMATY),
        (10 * H, "place_services", "WhatsApp and Telegram degraded in Astana"),
        (14 * H, "country_services", "Telegram and Signal blocked country-wide"),
        (16 * H, "networks", "mobile networks cut in Kazakhstan (Kcell)"),
        (30 * H, "national", "nation-scale blackout in Kazakhstan"),
        (120 * H, "restored", "Almaty restored while the blackout goes on elsewhere"),
    ]
    assert story[0].event == "service:whatsapp@region:KZ-75@" + str(T0 + 4 * H)
    assert story[0].to_json()["time"] == "2022-01-04T04:00:00Z"


def test_a_step_not_detected_is_left_out() -> None:
    assert shutdown_story([e for e in EVENTS if e.scope not in ("regional", "service")], "KZ") == [
        s for s in shutdown_story(EVENTS, "KZ") if s.stage in ("networks", "national")
    ]
    assert shutdown_story(EVENTS, "IR") == []
    assert [s.what for s in shutdown_story(EVENTS, "UZ")] == ["nation-scale blackout in Uzbekistan"]


def test_a_region_back_within_the_last_hour_is_the_countrys_restoration() -> None:
    restored = [s.what for s in shutdown_story(EVENTS, "KZ") if s.stage == "restored"]
    assert restored == ["Almaty restored while the blackout goes on elsewhere"]  # not Astana, 10 min early


def test_the_place_statement_drops_the_state_machines_note_and_keeps_the_vantage_points() -> None:
    assert place_statement(EVENTS[0]) == ALMATY
    note = "WhatsApp degraded in Almaty: throttled: handshakes much slower than the baseline site"
    throttled = event("service:whatsapp@region:KZ-75", T0, None, scope="regional", note=note)
    assert place_statement(throttled) == "WhatsApp degraded in Almaty"
