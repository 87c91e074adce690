from netvigil.geo.entities import default_registry


def test_country_region_and_operator_hierarchy() -> None:
    registry = default_registry()
    assert registry.get("country:KZ").name == "Kazakhstan"
    almaty = registry.get("region:KZ-75")
    assert almaty.name == "Almaty" and str(almaty.parent) == "country:KZ"
    kcell = registry.get("asn:29355")
    assert kcell.kind == "mobile" and str(kcell.parent) == "country:KZ"
    children = {c.key for c in registry.children("country:KZ")}
    assert {"region:KZ-75", "asn:9198", "asn:29355", "asn:21299", "asn:48503"} <= children


def test_every_operator_has_a_source_and_a_known_country() -> None:
    registry = default_registry()
    for op in registry.operators.values():
        assert op.source.strip()
        assert registry.get(f"country:{op.country}")


def test_search_finds_by_name() -> None:
    hits = {e.key for e in default_registry().search("almaty")}
    assert "region:KZ-75" in hits
