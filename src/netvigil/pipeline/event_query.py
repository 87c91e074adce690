"""What a user asks of the stored events, made into one :class:`~netvigil.model.events.EventFilter`.

``netvigil events``, ``netvigil export``, ``GET /api/v1/events`` and the Atom feed all build their
filter with :func:`event_filter`: entities (service entities too, e.g.
``service:whatsapp@country:KZ``) are parsed to their canonical form; a region (or a local entity)
also stands for the services seen from it (``region:KZ-75`` → ``service:whatsapp@region:KZ-75``, …),
so asking for a region lists its service events beside its connectivity events, and asking for a
country lists the services seen from it and from each of its regions; kinds and scopes checked
against their closed sets, so every caller refuses the same input with the same
:class:`InputError`. Times come already parsed: the command line and the API accept different
spellings of a time.
"""

from __future__ import annotations

from collections.abc import Sequence

from netvigil.detect.services import SERVICE_NAMES
from netvigil.geo.entities import default_registry
from netvigil.model.entities import parse_entity
from netvigil.model.errors import EntityParseError, InputError
from netvigil.model.events import EVENT_KINDS, SCOPES, EventFilter
from netvigil.pipeline.reachability import SERVICE_OF_TEST

PLACE_TYPES = ("region", "local")
"""Entity types whose filter also takes the services seen from them."""


def known_services() -> list[str]:
    """Every service netvigil makes service entities of (named ones and those of OONI's tests)."""
    return sorted({*SERVICE_NAMES, *SERVICE_OF_TEST.values()})


def with_services(entity: str) -> list[str]:
    """A canonical entity and, for a region or local entity, its service entities."""
    if entity.partition(":")[0] not in PLACE_TYPES:
        return [entity]
    return [entity, *(f"service:{s}@{entity}" for s in known_services())]


def events_entities(entity: str) -> list[str]:
    """The entities whose events a filter on ``entity`` lists.

    :func:`with_services`, and for a country also the services seen from it and from each of its
    regions (``service:telegram@region:KZ-75``).
    """
    kind, _, code = entity.partition(":")
    if kind != "country":
        return with_services(entity)
    places = [entity, *(region.key for region in default_registry().regions(code))]
    return [entity, *(f"service:{s}@{place}" for place in places for s in known_services())]


def canonical_entity(text: str, name: str = "entity") -> str:
    """The canonical identifier of an entity given as parameter ``name``; InputError if malformed."""
    try:
        return str(parse_entity(text))
    except EntityParseError as exc:
        raise InputError(f"{name}: {exc}") from None


def check_choice(name: str, value: str | None, choices: Sequence[str]) -> None:
    """InputError unless ``value`` (parameter ``name``) is unset or one of ``choices``."""
    if value is not None and value not in choices:
        raise InputError(f"{name} must be one of {', '.join(choices)}")


def _checked(name: str, values: Sequence[str] | None, choices: Sequence[str]) -> list[str] | None:
    for value in values or ():
        check_choice(name, value, choices)
    return list(values) if values else None


def event_filter(
    *,
    entities: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    scopes: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    ongoing: bool | None = None,
    top_level: bool = False,
    limit: int | None = None,
) -> EventFilter:
    """The store filter for these user filters; unset ones (None, empty) do not narrow."""
    return EventFilter(
        entities=[w for e in entities for w in events_entities(canonical_entity(e))] if entities else None,
        kinds=_checked("kind", kinds, EVENT_KINDS),
        scopes=_checked("scope", scopes, SCOPES),
        since=since,
        until=until,
        ongoing=ongoing,
        top_level_only=top_level,
        limit=limit,
    )
