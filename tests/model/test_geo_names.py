"""Names people use for places and networks: folding, AS numbers, other languages and scripts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netvigil.geo.entities import default_registry
from netvigil.geo.names import asn_named, fold, keys_named


def test_fold_drops_case_accents_and_extra_spaces() -> None:
    assert fold("  Türkiye ") == "turkiye"
    assert fold("ALMATY") == fold("almaty")
    assert fold("ҚАЗАҚСТАН") == "қазақстан"


@given(st.integers(min_value=0, max_value=4_294_967_295), st.sampled_from(["AS{}", "as{}", "AS {}", "{}"]))
def test_an_as_number_in_any_usual_spelling_names_its_asn(number: int, spelling: str) -> None:
    assert asn_named(spelling.format(number)) == f"asn:{number}"


def test_words_are_not_as_numbers() -> None:
    assert asn_named("Kcell") is None and asn_named("AS") is None and asn_named("KZ-75") is None


def test_other_languages_find_countries_and_regions_exact_names_first() -> None:
    assert keys_named("Казахстан", 5)[0] == ("country:KZ", "Казахстан")
    assert keys_named("Алма-Ата", 5)[0][0] == "region:KZ-75"
    assert keys_named("", 5) == []


def test_registry_search_keeps_english_hits_first_then_other_names() -> None:
    registry = default_registry()
    assert [e.key for e in registry.search("Kazakhstan", 1)] == ["country:KZ"]
    assert registry.search("Қазақстан")[0].key == "country:KZ"
    assert registry.search("AS64500")[0].name == "AS64500"
    hits = [e.key for e in registry.search("almaty", 50)]
    assert "region:KZ-75" in hits and len(hits) == len(set(hits))
