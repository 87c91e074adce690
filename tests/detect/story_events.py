"""Hand-made events shaped like the Kazakh shutdown's steps, for the story's tests (detect, report, serve).

Times from 2022-01-04 00:00 UTC: WhatsApp and Telegram degraded in Almaty (04:00) and Astana
(10:00), Telegram and Signal blocked country-wide (14:00), the mobile cut (16:00), the national
blackout (5 January 06:00), Almaty back (9 January 00:00) and Astana ten minutes before the country.
An Uzbek event shows another country's events are left alone.
"""

from __future__ import annotations

from netvigil.model.events import Event, Phase

H = 3600
T0 = 1_641_254_400  # 2022-01-04T00:00Z


def event(entity: str, start: int, end: int | None, **fields: object) -> Event:
    """An event with defaults for what the story does not read."""
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
NATIONAL = event("country:KZ", T0 + 30 * H, T0 + 150 * H, name="Kazakhstan", scope="national")
MOBILE = event(
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
    event("service:whatsapp@region:KZ-75", T0 + 4 * H, T0 + 17 * H, scope="regional", note=ALMATY_NOTE),
    event("service:telegram@region:KZ-75", T0 + 9 * H, T0 + 17 * H, scope="regional", note=ALMATY_NOTE),
    event("service:whatsapp@region:KZ-71", T0 + 10 * H, T0 + 17 * H, scope="regional",
           note="WhatsApp and Telegram degraded in Astana: blocked"),
    event("service:telegram@country:KZ", T0 + 14 * H, T0 + 17 * H, services=("telegram",)),
    event("service:signal@country:KZ", T0 + 14 * H, T0 + 17 * H, services=("signal",)),
    event("service:signal@asn:9198", T0 + 14 * H, T0 + 17 * H, services=("signal",),
           parent_event="service:signal@country:KZ@0"),
    MOBILE,
    event("asn:29355", T0 + 15 * H, T0 + 150 * H, name="Kcell", scope="network", parent_event=NATIONAL.id),
    NATIONAL,
    event("region:KZ-75", T0 + 16 * H, T0 + 120 * H, name="Almaty", scope="regional",
           parent_event=NATIONAL.id),
    event("region:KZ-71", T0 + 16 * H, T0 + 150 * H - 600, name="Astana", scope="regional",
           parent_event=NATIONAL.id),
    event("country:UZ", T0, T0 + H, name="Uzbekistan", scope="national"),
]
