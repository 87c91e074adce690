"""Scope from the hierarchy: a country's event against the events of its regions and networks.

Rules (documented in docs/detector.md):
- a country event is *national* when its access networks of both kinds are hit (or when we have
  no children to tell); if only mobile access networks are hit while a fixed one with data is not,
  it is a mobile-only cut: scope ``network`` with ``network_kinds = ["mobile"]`` (likewise fixed);
- if its regions have data and fewer than ``national_share`` of them are hit, the country event
  is only the shadow of regional events: it is dropped and the regional events stand alone; if
  none of them is hit (the drop is in a region we do not follow), it stays, with scope regional;
- a region or network event that overlaps a kept country event becomes its child (``parent_event``)
  and is listed in the country event's ``children``; others are top-level events of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from netvigil.detect.config import DetectorConfig
from netvigil.model.events import Event

FIXED_KINDS = frozenset({"fixed"})
MOBILE_KINDS = frozenset({"mobile"})


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What the hierarchy needs to know of an entity: its name, its country and its network kind."""

    name: str
    parent: str | None = None
    kind: str | None = None


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
        if 0 < share < config.national_share:
            return None
        if share == 0 and not hit_kinds and len(regions) > 1:
            return "regional", ()
    return "national", ()


def apply_hierarchy(
    events: Sequence[Event], info: Mapping[str, EntityInfo], config: DetectorConfig, horizon: int
) -> list[Event]:
    """Give every event its scope, parent and children; drop country events that are regional shadows."""
    by_country: dict[str, list[Event]] = {}
    for event in events:
        parent = info[event.entity].parent if event.entity in info else None
        if parent is not None:
            by_country.setdefault(parent, []).append(event)
    with_data = set(info)
    final: list[Event] = []
    adopted: dict[str, str] = {}
    for event in events:
        if not event.entity.startswith("country:"):
            continue
        kids = [e for e in by_country.get(event.entity, []) if _overlaps(e, event, horizon)]
        children = sorted(c for c, i in info.items() if i.parent == event.entity and c in with_data)
        verdict = _country_scope(event, children, {k.entity for k in kids}, info, config)
        if verdict is None:
            continue
        scope, kinds = verdict
        for kid in kids:
            adopted[kid.id] = event.id
        names = sorted({k.entity for k in kids if adopted.get(k.id) == event.id})
        final.append(replace(event, scope=scope, network_kinds=kinds, children=tuple(names)))  # type: ignore[arg-type]
    for event in events:
        if event.entity.startswith("country:"):
            continue
        kind = info[event.entity].kind if event.entity in info else None
        kinds = (kind,) if kind else ()
        final.append(replace(event, parent_event=adopted.get(event.id), network_kinds=kinds))
    return sorted(final, key=lambda e: (e.start, e.entity))
