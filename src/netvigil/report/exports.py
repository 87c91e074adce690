"""Events for other datasets: Access Now STOP-compatible CSV and IODA-style outage events JSON.

The STOP CSV carries STOP's own columns first (start_date, country, geo_scope, area_name,
shutdown_type, affected_network, shutdown_extent, actual_cause, … in STOP's vocabulary), then
``nv_*`` columns holding every field of the netvigil event, so :func:`read_stop_csv` gives back
exactly the exported events. STOP's columns follow the part of the network hit: a mobile-only cut
is "Mobile", "Full network" only when the networks hit were cut, "Throttle" when they were only
degraded. The IODA JSON mirrors IODA's ``/v2/outages/events`` entries: one
entry per event and signal (IODA's ``datasource``), with ``location`` as ``country/KZ``,
``region/KZ-75`` or ``asn/29355``, ``start`` in Unix seconds and ``duration`` in seconds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from netvigil.geo.entities import default_registry
from netvigil.model.errors import InputError
from netvigil.model.events import Event, Phase, iso, parse_iso
from netvigil.report.cost import country_of
from netvigil.report.taxonomy import outage_type, taxonomy_scope

STOP_COLUMNS: Final = (
    "start_date",
    "country",
    "geo_scope",
    "area_name",
    "shutdown_type",
    "affected_network",
    "shutdown_extent",
    "actual_cause",
    "info_source",
    "shutdown_status",
    "end_date",
    "duration",
    "facebook_affected",
    "twitter_affected",
    "whatsapp_affected",
    "instagram_affected",
    "telegram_affected",
    "other_affected",
    "telcos_involved",
)
NV_COLUMNS: Final = (
    "nv_id",
    "nv_entity",
    "nv_entity_name",
    "nv_kind",
    "nv_scope",
    "nv_start",
    "nv_end",
    "nv_level",
    "nv_confidence",
    "nv_signals",
    "nv_children",
    "nv_services",
    "nv_phases",
    "nv_cause",
    "nv_network_kinds",
    "nv_parent_event",
    "nv_end_reason",
    "nv_step",
    "nv_detected_at",
)
NV_LATER_COLUMNS: Final = ("nv_suggested_cause", "nv_suggested_reason")
"""Written since the detector suggests causes; optional on read, so older exports still load."""
NAMED_SERVICES: Final = ("facebook", "twitter", "whatsapp", "instagram", "telegram")
IODA_DATASOURCES: Final[dict[str, str]] = {"bgp": "bgp", "probe": "ping-slash24", "traffic": "traffic"}
LIST_SEP: Final = ";"


def _stop_type(event: Event) -> str:
    """STOP's shutdown_type: a network only degraded (no blackout of the part hit) is a throttle."""
    kind = outage_type(event)
    if event.kind == "disruption":
        return "Throttle"
    return {"throttling": "Throttle", "service": "Service-based"}.get(kind, "Shutdown")


def _stop_extent(event: Event) -> str:
    """STOP's shutdown_extent: "Full network" only when the networks hit were cut (a blackout).

    A partial drop is no full-network cut and STOP has no word for it, so the field stays empty
    (``nv_level`` says how far it went).
    """
    if event.is_service:
        return "Service-based"
    return "Full network" if event.kind == "blackout" else ""


def _stop_network(event: Event) -> str:
    kinds = set(event.network_kinds)
    if event.entity.startswith("asn:"):
        op = default_registry().operator(int(event.entity[4:]))
        kinds = {op.kind} if op else kinds
    names = {"mobile": "Mobile", "fixed": "Broadband", "mixed": "Broadband, Mobile"}
    if not kinds or kinds >= {"mobile", "fixed"}:
        return "Broadband, Mobile"
    return ", ".join(sorted({names.get(k, k.title()) for k in kinds}))


def _geo_scope(event: Event) -> tuple[str, str]:
    scope = taxonomy_scope(event, None)
    registry = default_registry()
    if scope == "regional":
        return "Only one state, province, or region", registry.name(event.place or event.entity)
    if scope == "network":
        return "It affected locations in more than one state, province, or region", event.entity_name
    return "It affected locations in more than one state, province, or region", "Nationwide"


def _telcos(event: Event) -> str:
    asns = [c for c in (event.entity, *event.children) if c.startswith("asn:")]
    return ", ".join(default_registry().name(a) for a in asns)


def _stop_fields(event: Event) -> dict[str, str]:
    country = country_of(event.entity) or ""
    geo, area = _geo_scope(event)
    days = "" if event.end is None else str(max(1, round((event.end - event.start) / 86_400)))
    fields = {
        "start_date": (iso(event.start) or "")[:10],
        "country": default_registry().name(f"country:{country}") if country else "",
        "geo_scope": geo,
        "area_name": area,
        "shutdown_type": _stop_type(event),
        "affected_network": _stop_network(event),
        "shutdown_extent": _stop_extent(event),
        "actual_cause": event.cause or "",
        "info_source": "netvigil measurements",
        "shutdown_status": "Ongoing" if event.end is None else "Ended",
        "end_date": (iso(event.end) or "")[:10],
        "duration": days,
        "other_affected": ", ".join(s for s in event.services if s not in NAMED_SERVICES),
        "telcos_involved": _telcos(event),
    }
    for service in NAMED_SERVICES:
        fields[f"{service}_affected"] = "Yes" if service in event.services else "No"
    return fields


def _nv_fields(event: Event) -> dict[str, str]:
    return {
        "nv_id": event.id,
        "nv_entity": event.entity,
        "nv_entity_name": event.entity_name,
        "nv_kind": event.kind,
        "nv_scope": event.scope,
        "nv_start": iso(event.start) or "",
        "nv_end": iso(event.end) or "",
        "nv_level": repr(event.level),
        "nv_confidence": repr(event.confidence),
        "nv_signals": LIST_SEP.join(event.signals),
        "nv_children": LIST_SEP.join(event.children),
        "nv_services": LIST_SEP.join(event.services),
        "nv_phases": json.dumps(
            [[p.start, p.end, repr(p.level), p.note] for p in event.phases], ensure_ascii=False
        ),
        "nv_cause": event.cause or "",
        "nv_network_kinds": LIST_SEP.join(event.network_kinds),
        "nv_parent_event": event.parent_event or "",
        "nv_end_reason": event.end_reason or "",
        "nv_step": str(event.step),
        "nv_detected_at": iso(event.detected_at) or "",
        "nv_suggested_cause": event.suggested_cause or "",
        "nv_suggested_reason": event.suggested_reason or "",
    }


def stop_csv(events: Iterable[Event]) -> str:
    """Events as STOP-compatible CSV text (header included)."""
    buffer = io.StringIO()
    columns = [*STOP_COLUMNS, *NV_COLUMNS, *NV_LATER_COLUMNS]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for event in events:
        writer.writerow(_stop_fields(event) | _nv_fields(event))
    return buffer.getvalue()


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(LIST_SEP)) if text else ()


def _event_from_row(row: Mapping[str, str]) -> Event:
    phases = tuple(
        Phase(int(s), int(e) if e is not None else None, float(lv), n)
        for s, e, lv, n in json.loads(row["nv_phases"])
    )
    return Event(
        id=row["nv_id"],
        entity=row["nv_entity"],
        entity_name=row["nv_entity_name"],
        kind=row["nv_kind"],  # type: ignore[arg-type]
        scope=row["nv_scope"],  # type: ignore[arg-type]
        start=parse_iso(row["nv_start"]),
        end=parse_iso(row["nv_end"]) if row["nv_end"] else None,
        level=float(row["nv_level"]),
        signals=_split(row["nv_signals"]),
        confidence=float(row["nv_confidence"]),
        children=_split(row["nv_children"]),
        services=_split(row["nv_services"]),
        phases=phases,
        cause=row["nv_cause"] or None,
        network_kinds=_split(row["nv_network_kinds"]),  # type: ignore[arg-type]
        parent_event=row["nv_parent_event"] or None,
        end_reason=row["nv_end_reason"] or None,  # type: ignore[arg-type]
        step=int(row["nv_step"]),
        detected_at=parse_iso(row["nv_detected_at"]) if row["nv_detected_at"] else None,
        suggested_cause=row.get("nv_suggested_cause") or None,
        suggested_reason=row.get("nv_suggested_reason") or None,
    )


def read_stop_csv(text: str, path: str = "<csv>") -> list[Event]:
    """Events back from :func:`stop_csv` output; a bad row is an InputError with its line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in NV_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise InputError(
            f"not a netvigil STOP export: missing columns {', '.join(missing)}", path=path, line=1
        )
    events = []
    for row in reader:
        try:
            events.append(_event_from_row(row))
        except (ValueError, TypeError, KeyError) as exc:
            raise InputError(f"bad event row: {exc}", path=path, line=reader.line_num) from None
    return events


def ioda_location(entity: str) -> str:
    """IODA's location form: ``country/KZ``, ``region/KZ-75``, ``asn/29355`` (services keep theirs)."""
    kind, _, code = entity.partition(":")
    return f"{kind}/{code}"


def ioda_entries(event: Event) -> list[dict[str, Any]]:
    """One IODA outage-event entry per signal of the event."""
    end = event.end
    return [
        {
            "location": ioda_location(event.entity),
            "location_name": event.entity_name,
            "start": event.start,
            "duration": None if end is None else end - event.start,
            "uncertainty": event.step,
            "status": 1 if end is None else 0,
            "fraction": round(1.0 - event.level / 100.0, 4),
            "score": round((100.0 - event.level) * event.confidence, 2),
            "overlaps": event.parent_event is not None,
            "datasource": IODA_DATASOURCES.get(signal, signal),
            "netvigil_id": event.id,
            "kind": event.kind,
            "scope": event.scope,
        }
        for signal in event.signals
    ]


def ioda_json(events: Sequence[Event], since: int | None = None, until: int | None = None) -> dict[str, Any]:
    """Events as an IODA-style ``outages/events`` response."""
    return {
        "type": "outages/events",
        "metadata": {"requestParameters": {"from": since, "until": until}, "producer": "netvigil"},
        "data": [entry for event in events for entry in ioda_entries(event)],
    }


CLOUDFLARE_OUTAGE_TYPES: Final[dict[str, str]] = {
    "national": "NATIONWIDE",
    "regional": "REGIONAL",
    "local": "REGIONAL",
    "network": "NETWORK",
}


def cloudflare_annotation(event: Event) -> dict[str, Any]:
    """The event in the shape of a Cloudflare Radar outage annotation (``/radar/annotations/outages``)."""
    registry = default_registry()
    country = country_of(event.entity)
    asns = sorted({int(e[4:]) for e in (event.entity, *event.children) if e.startswith("asn:")})
    kind = registry.get(event.entity).kind if event.entity.startswith("asn:") else None
    scope = taxonomy_scope(event, kind)
    return {
        "id": event.id,
        "dataSource": "NETVIGIL",
        "eventType": "OUTAGE",
        "startDate": iso(event.start),
        "endDate": iso(event.end),
        "locations": [country] if country else [],
        "asns": asns,
        "asnsDetails": [{"asn": str(a), "name": registry.name(f"asn:{a}")} for a in asns],
        "scope": event.entity_name,
        "outage": {
            "outageCause": (event.cause or "unknown").upper(),
            "outageType": "PLATFORM" if event.is_service else CLOUDFLARE_OUTAGE_TYPES[scope],
        },
        "description": f"{outage_type(event)} {event.kind.replace('_', ' ')}, level {event.level:.1f} %",
    }


def cloudflare_json(events: Sequence[Event]) -> dict[str, Any]:
    """Events as a Cloudflare Radar-style ``{"annotations": [...]}`` document."""
    return {"annotations": [cloudflare_annotation(e) for e in events]}
