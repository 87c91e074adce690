"""User filters to the store's EventFilter, in one place for the CLI, the API and the feed."""

from __future__ import annotations

import pytest

from netvigil.model.errors import InputError
from netvigil.model.events import EventFilter
from netvigil.pipeline.event_query import event_filter


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
