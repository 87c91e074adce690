"""User filters to the store's EventFilter, in one place for the CLI, the API and the feed."""

from __future__ import annotations

import pytest

from netvigil.model.errors import InputError
from netvigil.model.events import Event, EventFilter
from netvigil.pipeline.event_query import event_filter
from netvigil.store import Store


def test_filters_are_canonical_and_unset_ones_do_not_narrow() -> None:
    assert event_filter() == EventFilter()
    assert event_filter(entities=[], kinds=[], scopes=None) == EventFilter()
    where = event_filter(
        entities=["asn:029355", "service:whatsapp@country:KZ"], kinds=["blackout"], scopes=("national",),
        since=1, until=2, ongoing=True, top_level=True, limit=5,
    )  # fmt: skip
    assert where == EventFilter(
        ["asn:29355", "service:whatsapp@country:KZ"], ["blackout"], ["national"], 1, 2, True, True, 5
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"entities": ["KZ"]}, "entity: 'KZ' is not an entity"),
        ({"kinds": ["earthquake"]}, "kind must be one of blackout"),
        ({"scopes": ["planet"]}, "scope must be one of national"),
    ],
)
def test_bad_filters_are_input_errors(given: dict[str, list[str]], message: str) -> None:
    with pytest.raises(InputError, match=message):
        event_filter(**given)


def _event(entity: str, start: int) -> Event:
    country = entity.startswith("country:")
    kind, scope = ("blackout", "national") if country else ("service_blocking", "service")
    return Event(f"e-{entity}", entity, entity, kind, scope, start, None, 0.0, ("reachability",), 0.6)


def test_a_country_lists_the_services_seen_from_it_and_from_its_regions(store: Store) -> None:
    entities = [
        "country:KZ",
        "service:whatsapp@country:KZ",
        "service:telegram@region:KZ-75",
        "service:telegram@region:UZ-TK",
        "country:UZ",
    ]
    store.replace_events([_event(e, 1000 + i) for i, e in enumerate(entities)], entities)
    found = {e.entity for e in store.read_events(event_filter(entities=["country:KZ"]))}
    assert found == set(entities[:3])
    assert event_filter(entities=["asn:29355"]).entities == ["asn:29355"]
