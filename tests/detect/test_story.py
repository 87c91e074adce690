"""The shutdown in order: the steps a country's events tell, never one that was not detected."""

from __future__ import annotations

from netvigil.detect.story import place_statement, shutdown_story
from netvigil.model.events import Event, Phase

H = 3600
T0 = 1_641_254_400  # 2022-01-04T00:00Z


def _event(entity: str, start: int, end: int | None, **fields: object) -> Event:
    name = fields.pop("name", entity)
    note = fields.pop("note", "")
    base = {
        "id": f"{entity}@{start}",
        "entity": entity,
        "entity_name": name,
        "kind": "service_blocking" if entity.startswith("service:") else "blackout",
        "scope": "service",
        "start": start,
        "end": end,
        "level": 5.0,
        "signals": ("reachability",),
        "confidence": 0.9,
        "phases": (Phase(start, end, 5.0, note),) if note else (),
    }
    base.update(fields)
    return Event(**base)  # type: ignore[arg-type]


ALMATY = "WhatsApp and Telegram degraded in Almaty (seen by almaty-kcell (AS29355))"
ALMATY_NOTE = "WhatsApp and Telegram degraded in Almaty: blocked (seen by almaty-kcell (AS29355))"
NATIONAL = _event("country:KZ", T0 + 30 * H, T0 + 150 * H, name="Kazakhstan", scope="national")
MOBILE = _event(
    "country:KZ",
    T0 + 16 * H,
    T0 + 30 * H,
    name="Kazakhstan",
    scope="network",
    kind="disruption",
    network_kinds=("mobile",),
    children=("asn:29355", "region:KZ-75"),
)
EVENTS = [
    _event("service:whatsapp@region:KZ-75", T0 + 4 * H, T0 + 17 * H, scope="regional", note=ALMATY_NOTE),
    _event("service:telegram@region:KZ-75", T0 + 9 * H, T0 + 17 * H, scope="regional", note=ALMATY_NOTE),
    _event("service:whatsapp@region:KZ-71", T0 + 10 * H, T0 + 17 * H, scope="regional",
           note="WhatsApp and Telegram degraded in Astana: blocked"),
    _event("service:telegram@country:KZ", T0 + 14 * H, T0 + 17 * H, services=("telegram",)),
    _event("service:signal@country:KZ", T0 + 14 * H, T0 + 17 * H, services=("signal",)),
    _event("service:signal@asn:9198", T0 + 14 * H, T0 + 17 * H, services=("signal",),
           parent_event="service:signal@country:KZ@0"),
    MOBILE,
    _event("asn:29355", T0 + 15 * H, T0 + 150 * H, name="Kcell", scope="network", parent_event=NATIONAL.id),
    NATIONAL,
    _event("region:KZ-75", T0 + 16 * H, T0 + 120 * H, name="Almaty", scope="regional",
           parent_event=NATIONAL.id),
    _event("region:KZ-71", T0 + 16 * H, T0 + 150 * H - 600, name="Astana", scope="regional",
           parent_event=NATIONAL.id),
    _event("country:UZ", T0, T0 + H, name="Uzbekistan", scope="national"),
]


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
    event = EVENTS[0]
    assert place_statement(event) == ALMATY
    note = "WhatsApp degraded in Almaty: throttled: handshakes much slower than the baseline site"
    throttled = _event("service:whatsapp@region:KZ-75", T0, None, scope="regional", note=note)
    assert place_statement(throttled) == "WhatsApp degraded in Almaty"
