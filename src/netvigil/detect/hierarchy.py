"""Scope from the hierarchy: a country's event against the events of its regions and networks.

Rules (documented in docs/detector.md):
- a country event is *national* when its access networks of both kinds are hit (or when we have
  no children to tell); if only mobile access networks are hit while a fixed one with data is not,
  it is a mobile-only cut: scope ``network`` with ``network_kinds = ["mobile"]`` (likewise fixed);
- if its regions have data and at most ``national_share`` of them are hit, the country event
  is only the shadow of regional events: it is dropped and the regional events stand alone; if
  none of them is hit (the drop is in a region we do not follow), it stays, with scope regional;
- a country event whose mobile networks were hit first and whose fixed networks joined later (or
  the reverse) is split where they joined: a network-scope cut, then a national one (Iran 2019,
  Kazakhstan 2022: mobile internet first, then everything);
- a region or network event that overlaps kept country events becomes the child (``parent_event``)
  of the one it overlaps most, and is listed in the ``children`` of each it overlaps; others are
  top-level events of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from netvigil.detect.config import DetectorConfig
from netvigil.detect.events import split_event
from netvigil.model.entities import NetworkKind
from netvigil.model.events import Event

FIXED_KINDS = frozenset({"fixed"})
MOBILE_KINDS = frozenset({"mobile"})


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What the hierarchy needs to know of an entity: its name, its country and its network kind."""

    name: str
    parent: str | None = None
    kind: NetworkKind | None = None


def _overlaps(a: Event, b: Event, horizon: int) -> bool:
    a_end = a.end if a.end is not None else horizon
    b_end = b.end if b.end is not None else horizon
    return a.start < b_end and b.start < a_end


def _country_scope(
    event: Event,
    children: Sequence[str],
    hit: set[str],
    info: Mapping[str, EntityInfo],
    config: DetectorConfig,
) -> tuple[str, tuple[str, ...]] | None:
    """The scope and network kinds of a country event, or None when it should be dropped."""
    ases = [c for c in children if c.startswith("asn:")]
    regions = [c for c in children if c.startswith("region:")]
    hit_kinds = {info[c].kind for c in ases if c in hit}
    spared_kinds = {info[c].kind for c in ases if c not in hit}
    if "mobile" in hit_kinds and hit_kinds <= {"mobile", "mixed"} and "fixed" in spared_kinds:
        return "network", ("mobile",)
    if "fixed" in hit_kinds and hit_kinds <= {"fixed", "mixed"} and "mobile" in spared_kinds:
        return "network", ("fixed",)
    if regions:
        share = sum(1 for r in regions if r in hit) / len(regions)
        if 0 < share <= config.national_share:
            return None
        if share == 0 and not hit_kinds and len(regions) > 1:
            return "regional", ()
    return "national", ()


def _overlap(a: Event, b: Event, horizon: int) -> int:
    a_end = a.end if a.end is not None else horizon
    b_end = b.end if b.end is not None else horizon
    return max(0, min(a_end, b_end) - max(a.start, b.start))


def apply_hierarchy(
    events: Sequence[Event], info: Mapping[str, EntityInfo], config: DetectorConfig, horizon: int
) -> list[Event]:
    """Give every event its scope, parent and children; drop country events that are regional shadows."""
    by_country: dict[str, list[Event]] = {}
    for event in events:
        parent = info[event.entity].parent if event.entity in info else None
        if parent is not None:
            by_country.setdefault(parent, []).append(event)
    countries = [e for e in events if e.entity.startswith("country:")]
    kept: list[Event] = []
    for event in (
        part for e in countries for part in _split_on_escalation(e, by_country, info, config, horizon)
    ):
        kids = [e for e in by_country.get(event.entity, []) if _overlaps(e, event, horizon)]
        children = sorted(c for c, i in info.items() if i.parent == event.entity)
        verdict = _country_scope(event, children, {k.entity for k in kids}, info, config)
        if verdict is not None:
            scope, kinds = verdict
            kept.append(replace(event, scope=scope, network_kinds=kinds))  # type: ignore[arg-type]
    adopted: dict[str, str] = {}
    final: list[Event] = []
    for event in events:
        if event.entity.startswith("country:"):
            continue
        country = info[event.entity].parent if event.entity in info else None
        candidates = [c for c in kept if c.entity == country and _overlap(c, event, horizon) > 0]
        if candidates:
            adopted[event.id] = max(candidates, key=lambda c: _overlap(c, event, horizon)).id
        kind = info[event.entity].kind if event.entity in info else None
        final.append(
            replace(event, parent_event=adopted.get(event.id), network_kinds=(kind,) if kind else ())
        )
    for event in kept:
        names = sorted(
            {
                e.entity
                for e in final
                if e.parent_event is not None
                and _overlaps(e, event, horizon)
                and info.get(e.entity, EntityInfo(e.entity)).parent == event.entity
            }
        )
        final.append(replace(event, children=tuple(names)))
    return sorted(final, key=lambda e: (e.start, e.entity))


def _split_on_escalation(
    event: Event,
    by_country: Mapping[str, Sequence[Event]],
    info: Mapping[str, EntityInfo],
    config: DetectorConfig,
    horizon: int,
) -> list[Event]:
    """Split a country event where the other kind of access network joined a one-kind cut."""
    kids = [k for k in by_country.get(event.entity, []) if _overlaps(k, event, horizon)]
    first_hit: dict[str, int] = {}
    for kid in kids:
        kind = info[kid.entity].kind if kid.entity in info else None
        if kind in ("mobile", "fixed"):
            first_hit[kind] = min(first_hit.get(kind, kid.start), kid.start)
    if len(first_hit) < 2:
        return [event]
    at = max(first_hit.values())
    margin = config.min_phase_seconds
    end = event.end if event.end is not None else horizon
    if at - min(first_hit.values()) < margin or at - event.start < margin or end - at < margin:
        return [event]
    return list(split_event(event, at, config))


def nest_services(events: Sequence[Event], country_of: Mapping[str, str | None], horizon: int) -> list[Event]:
    """Put ``service:X@asn:N`` events under the overlapping ``service:X@country:CC`` event of N's country.

    One blocked service in one country is then one top-level event with its networks as children.
    """
    by_key: dict[str, list[Event]] = {}
    for event in events:
        if "@country:" in event.entity:
            by_key.setdefault(event.entity, []).append(event)
    parent_of: dict[str, str] = {}
    for event in events:
        service, _, scope = event.entity.partition("@")
        country = country_of.get(scope) if scope.startswith("asn:") else None
        candidates = [c for c in by_key.get(f"{service}@{country}", []) if _overlap(c, event, horizon) > 0]
        if candidates:
            parent_of[event.id] = max(candidates, key=lambda c: _overlap(c, event, horizon)).id
    nested: list[Event] = []
    for event in events:
        kids = sorted({e.entity for e in events if parent_of.get(e.id) == event.id})
        nested.append(
            replace(
                event,
                parent_event=parent_of.get(event.id, event.parent_event),
                children=tuple(kids) or event.children,
            )
        )
    return nested
