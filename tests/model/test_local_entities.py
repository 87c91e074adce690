"""Local entities: identifiers, declarations with a parent, and the registry's view of them."""

from pathlib import Path

import pytest

from netvigil.geo.entities import (
    EntityRegistry,
    default_registry,
    load_declarations,
    local_entity,
    read_declarations,
    write_declaration,
)
from netvigil.model.entities import EntityId, parse_entity
from netvigil.model.errors import EntityParseError, InputError, UnknownEntityError
from netvigil.model.events import SCOPES


@pytest.mark.parametrize(
    ("text", "place", "country"),
    [
        ("local:US-LA/calcasieu", "region:US-LA", "US"),
        ("local:KZ/almaty-dc1", "country:KZ", "KZ"),
        ("local:KZ-75/medeu_district", "region:KZ-75", "KZ"),
    ],
)
def test_a_local_identifier_names_its_place(text: str, place: str, country: str) -> None:
    eid = parse_entity(text)
    assert str(eid) == text and str(eid.place) == place and eid.country_code == country


@pytest.mark.parametrize(
    "text",
    ["local:calcasieu", "local:US-LA/", "local:US-LA/Calcasieu", "local:us-la/x", "local:US-LA/x@asn:1"],
)
def test_a_malformed_local_identifier_is_refused_with_the_forms(text: str) -> None:
    with pytest.raises(EntityParseError, match=r"local:CC\[-XXX\]/name|only service"):
        parse_entity(text)


def test_local_is_a_scope() -> None:
    assert "local" in SCOPES


def test_an_undeclared_local_entity_sits_under_its_place() -> None:
    entity = EntityRegistry({}).get("local:US-LA/saint-landry")
    assert entity.name == "Saint Landry" and entity.parent == EntityId("region", "US-LA")
    with pytest.raises(UnknownEntityError):
        EntityRegistry({}).get("local:US-ZZ/x")


def test_declarations_give_names_and_nest_places() -> None:
    text = (
        "entity,name,parent,kind\n"
        "local:US-LA/calcasieu,Calcasieu Parish,,\n"
        "local:US-LA/lake-charles,Lake Charles,local:US-LA/calcasieu,\n"
        "local:US-LA/dc-1,Lake Charles DC,local:US-LA/lake-charles,datacenter\n"
    )
    registry = EntityRegistry({}, load_declarations(text))
    assert registry.get("local:US-LA/calcasieu").parent == EntityId("region", "US-LA")
    assert registry.parent("local:US-LA/dc-1") == "local:US-LA/lake-charles"
    assert registry.get("local:US-LA/dc-1").kind == "datacenter"
    assert [c.key for c in registry.children("local:US-LA/calcasieu")] == ["local:US-LA/lake-charles"]
    assert "local:US-LA/lake-charles" in {e.key for e in registry.search("lake charles")}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("region:US-LA,Louisiana,,", "only local entities"),
        ("local:US-LA/x,X,region:US-TX,", "its parent is region:US-LA"),
        ("local:US-LA/x,X,local:US-TX/y,", "another local entity in region:US-LA"),
        ("local:US-LA/x,X,local:US-LA/x,", "another local entity"),
        ("local:US-LA/x,X,,wifi", "kind 'wifi'"),
        ("local:ZZ/x,X,,", "unknown place country:ZZ"),
    ],
)
def test_a_bad_declaration_says_its_line_and_why(row: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        load_declarations(f"entity,name,parent,kind\n{row}\n", "mine.csv")
    assert "mine.csv:2" in str(caught.value)


def test_parents_that_loop_are_refused() -> None:
    text = "entity,name,parent\nlocal:US-LA/a,A,local:US-LA/b\nlocal:US-LA/b,B,local:US-LA/a\n"
    with pytest.raises(InputError, match="loop"):
        load_declarations(text)


def test_the_entities_file_is_written_whole_and_read_by_the_default_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "entities.csv"
    monkeypatch.setenv("NETVIGIL_ENTITIES", str(path))
    assert default_registry().get("local:US-LA/calcasieu").name == "Calcasieu"
    write_declaration(path, local_entity("local:US-LA/calcasieu", "Calcasieu Parish", None))
    write_declaration(path, local_entity("local:US-LA/lake-charles", "Lake Charles", "local:US-LA/calcasieu"))
    write_declaration(path, local_entity("local:US-LA/calcasieu", "Calcasieu Parish, LA", None))
    assert len(read_declarations(path)) == 2
    assert default_registry().get("local:US-LA/calcasieu").name == "Calcasieu Parish, LA"
    assert default_registry().parent("local:US-LA/lake-charles") == "local:US-LA/calcasieu"
