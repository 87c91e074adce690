"""Scope from the hierarchy: a country's event against the events of its regions and networks.

Rules (documented in docs/detector.md):
- a country event is *national* when its access networks of both kinds are hit (or when we have
  no children to tell); if only mobile access networks are hit while a fixed one with data is not,
  it is a mobile-only cut: scope ``network`` with ``network_kinds = ["mobile"]`` (likewise fixed),
  whose level and kind are those of the hit networks of that kind (the national figure stays in
  its phases, see :func:`netvigil.detect.events.with_part_level`);
- if its regions have data and at most ``national_share`` of them are hit, the country event
  is only the shadow of regional events: it is dropped and the regional events stand alone; if
  none of them is hit (the drop is in a region we do not follow), it stays, with scope regional;
- a country event whose mobile networks were hit first and whose fixed networks joined later (or
  the reverse) is split where they joined: a network-scope cut, then a national one (Iran 2019,
  Kazakhstan 2022: mobile internet first, then everything);
- local entities (``local:…``, user-defined places below ISO 3166-2) have scope ``local`` and sit
  under a region, a country or another local entity; a region (or local) event whose local children
  have data while at most ``national_share`` of them are hit is the shadow of their events, as a
  country's is of its regions': it is dropped and the local events stand alone;
- a region, network or local event that overlaps kept events of its nearest ancestor that has any
  (local → … → region → country) becomes the child (``parent_event``) of the one it overlaps most,
  and is listed in the ``children`` of each it overlaps; others are top-level events of their own.
  Roll-up is by entity only, whatever the signals and however a bin was scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from netvigil.detect.config import DetectorConfig
from netvigil.detect.events import split_event, with_part_level
from netvigil.model.entities import NetworkKind, parse_entity
from netvigil.model.errors import EntityParseError
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
    """Give every event its scope, parent and children; drop country and place events that are shadows."""
    by_parent: dict[str, list[Event]] = {}
    for event in events:
        parent = info[event.entity].parent if event.entity in info else None
        if parent is not None:
            by_parent.setdefault(parent, []).append(event)
    kept = [*_kept_countries(events, by_parent, info, config, horizon)]
    places = [e for e in events if not e.entity.startswith("country:")]
    places = [e for e in places if not _local_shadow(e, by_parent, info, config, horizon)]
    kept_by_entity: dict[str, list[Event]] = {}
    for event in [*kept, *places]:
        kept_by_entity.setdefault(event.entity, []).append(event)
    final: list[Event] = []
    for event in places:
        adopter = _adopter(event, kept_by_entity, info, horizon)
        kind = info[event.entity].kind if event.entity in info else None
        final.append(
            replace(
                event,
                scope="local" if event.entity.startswith("local:") else event.scope,
                parent_event=adopter.id if adopter is not None else None,
                network_kinds=(kind,) if kind else (),
            )
        )
    finished = [_with_children(e, final, info, horizon) for e in [*kept, *final]]
    return sorted(finished, key=lambda e: (e.start, e.entity))


def _kept_countries(
    events: Sequence[Event],
    by_parent: Mapping[str, Sequence[Event]],
    info: Mapping[str, EntityInfo],
    config: DetectorConfig,
    horizon: int,
) -> list[Event]:
    """Country events with their scope, split on escalation; regional shadows left out."""
    countries = [e for e in events if e.entity.startswith("country:")]
    kept: list[Event] = []
    for event in (
        part for e in countries for part in _split_on_escalation(e, by_parent, info, config, horizon)
    ):
        kids = [e for e in by_parent.get(event.entity, []) if _overlaps(e, event, horizon)]
        children = sorted(c for c, i in info.items() if i.parent == event.entity)
        verdict = _country_scope(event, children, {k.entity for k in kids}, info, config)
        if verdict is not None:
            scope, kinds = verdict
            scoped = replace(event, scope=scope, network_kinds=kinds)  # type: ignore[arg-type]
            named = [k for k in kids if info[k.entity].kind in kinds]
            kept.append(with_part_level(scoped, named, horizon, config) if scope == "network" else scoped)
    return kept


def _local_shadow(
    event: Event,
    by_parent: Mapping[str, Sequence[Event]],
    info: Mapping[str, EntityInfo],
    config: DetectorConfig,
    horizon: int,
) -> bool:
    """True when a region or local event is only the shadow of a few of its local children's events."""
    if not event.entity.startswith(("region:", "local:")):
        return False
    locals_below = [c for c, i in info.items() if i.parent == event.entity and c.startswith("local:")]
    if not locals_below:
        return False
    hit = {k.entity for k in by_parent.get(event.entity, []) if _overlaps(k, event, horizon)}
    share = sum(1 for c in locals_below if c in hit) / len(locals_below)
    return 0 < share <= config.national_share


def _adopter(
    event: Event, kept: Mapping[str, Sequence[Event]], info: Mapping[str, EntityInfo], horizon: int
) -> Event | None:
    """The kept event of the nearest ancestor that overlaps ``event`` most, if any ancestor has one."""
    seen = {event.entity}
    ancestor = _parent_of(event.entity, info)
    while ancestor is not None and ancestor not in seen:
        candidates = [c for c in kept.get(ancestor, []) if _overlap(c, event, horizon) > 0]
        if candidates:
            return max(candidates, key=lambda c: _overlap(c, event, horizon))
        seen.add(ancestor)
        ancestor = _parent_of(ancestor, info)
    return None


def _parent_of(entity: str, info: Mapping[str, EntityInfo]) -> str | None:
    """The parent ``info`` gives, else (an ancestor without data) the place its identifier names."""
    if entity in info:
        return info[entity].parent
    try:
        eid = parse_entity(entity)
    except EntityParseError:
        return None
    if eid.type == "local" and eid.place is not None:
        return str(eid.place)
    if eid.type == "region" and eid.country_code is not None:
        return f"country:{eid.country_code}"
    return None


def _with_children(
    event: Event, final: Sequence[Event], info: Mapping[str, EntityInfo], horizon: int
) -> Event:
    """``event`` listing the entities it adopted, and direct children with adopted events overlapping it."""
    names = sorted(
        {
            e.entity
            for e in final
            if e.parent_event == event.id
            or (
                e.parent_event is not None
                and _overlaps(e, event, horizon)
                and info.get(e.entity, EntityInfo(e.entity)).parent == event.entity
            )
        }
    )
    return replace(event, children=tuple(names)) if names else event


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
    """Put ``service:X@asn:N`` (and ``@region:``) events under the overlapping ``service:X@country:CC``.

    One blocked service in one country is then one top-level event with its networks and regions as
    children. ``country_of`` maps each scope (an ASN, a region) to its country entity.
    """
    by_key: dict[str, list[Event]] = {}
    for event in events:
        if "@country:" in event.entity:
            by_key.setdefault(event.entity, []).append(event)
    parent_of: dict[str, str] = {}
    for event in events:
        service, _, scope = event.entity.partition("@")
        country = country_of.get(scope) if not scope.startswith("country:") else None
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
