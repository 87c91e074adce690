"""Local entities (below ISO 3166-2) in the hierarchy: scope local, rolled up local → region → country."""

from netvigil.detect.engine import detect
from netvigil.detect.hierarchy import EntityInfo

from .helpers import cut, cyclic, series

PARISHES = ("local:XX-A/one", "local:XX-A/two", "local:XX-A/three", "local:XX-A/four")
INFO = {
    "country:XX": EntityInfo("Testland"),
    "region:XX-A": EntityInfo("A", "country:XX"),
    **{p: EntityInfo(p.rpartition("/")[2].title(), "region:XX-A") for p in PARISHES},
    "local:XX-A/city": EntityInfo("City", "local:XX-A/one"),
}


def place(entity: str, depth: float, seed: int, hours: float = 6, start_day: float = 5) -> list:
    """Probe and traffic of one place, cut to ``depth`` of ordinary for ``hours`` from day 5."""
    out = []
    for k, signal in enumerate(("probe", "traffic")):
        times, values = cyclic(8, seed=seed + k, level=300)
        out.append(series(entity, signal, times, cut(times, values, start_day, hours, depth)))
    return out


def places(depths: dict[str, float], hours: dict[str, float] | None = None) -> list:
    entities = ["region:XX-A", *PARISHES]
    return [
        s
        for k, entity in enumerate(entities)
        for s in place(entity, depths.get(entity, 1.0), 20 + 2 * k, (hours or {}).get(entity, 6))
    ]


def test_a_local_outage_is_a_local_event_and_nothing_above() -> None:
    found = detect(places({"local:XX-A/two": 0.02}), INFO).events
    assert [(e.entity, e.scope, e.kind, e.parent_event) for e in found] == [
        ("local:XX-A/two", "local", "blackout", None)
    ]


def test_a_region_drop_made_by_one_of_its_places_is_its_shadow() -> None:
    found = detect(places({"local:XX-A/two": 0.02, "region:XX-A": 0.3}), INFO).events
    assert [(e.entity, e.scope) for e in found] == [("local:XX-A/two", "local")]


def test_local_events_roll_up_under_the_region_event_and_restore_each_on_its_own() -> None:
    depths = {"region:XX-A": 0.03, **dict.fromkeys(PARISHES, 0.02)}
    found = detect(places(depths, {"local:XX-A/four": 3}), INFO).events
    region = next(e for e in found if e.entity == "region:XX-A")
    assert region.scope == "regional" and region.parent_event is None
    kids = [e for e in found if e.parent_event == region.id]
    assert sorted(e.entity for e in kids) == sorted(PARISHES)
    assert {e.scope for e in kids} == {"local"}
    assert region.children == tuple(sorted(PARISHES))
    four = next(e for e in kids if e.entity == "local:XX-A/four")
    assert four.end_reason == "restored" and four.end is not None and region.end is not None
    assert four.end < region.end  # one place back while the region is still down


def test_a_city_inside_a_county_rolls_up_to_the_nearest_ancestor_with_an_event() -> None:
    data = places({"region:XX-A": 0.03, **dict.fromkeys(PARISHES, 0.02)}) + place("local:XX-A/city", 0.02, 90)
    found = detect(data, INFO).events
    county = next(e for e in found if e.entity == "local:XX-A/one")
    city = next(e for e in found if e.entity == "local:XX-A/city")
    assert city.scope == "local" and city.parent_event == county.id
    assert county.children == ("local:XX-A/city",)


def test_a_place_whose_region_has_no_data_rolls_up_to_the_country() -> None:
    country = place("country:XX", 0.02, 70)
    found = detect(country + place("local:XX-A/two", 0.02, 80), {"local:XX-A/two": INFO["local:XX-A/two"]})
    top = next(e for e in found.events if e.entity == "country:XX")
    local = next(e for e in found.events if e.entity == "local:XX-A/two")
    assert local.parent_event == top.id and top.children == ("local:XX-A/two",)
