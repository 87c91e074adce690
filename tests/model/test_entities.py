import pytest

from netvigil.model.entities import parse_entity, service_scope
from netvigil.model.errors import EntityParseError
from netvigil.model.events import Event, Phase, iso, parse_iso


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("country:KZ", "country:KZ"),
        ("region:KZ-75", "region:KZ-75"),
        ("asn:029355", "asn:29355"),
        ("service:whatsapp@country:KZ", "service:whatsapp@country:KZ"),
        ("service:telegram@asn:29355", "service:telegram@asn:29355"),
        ("service:whatsapp@region:KZ-75", "service:whatsapp@region:KZ-75"),
    ],
)
def test_parse_round_trips(text: str, canonical: str) -> None:
    assert str(parse_entity(text)) == canonical


@pytest.mark.parametrize(
    "text",
    [
        "KZ",
        "country:kz",
        "country:KAZ",
        "asn:0",
        "asn:x",
        "region:KZ",
        "country:KZ@asn:1",
        "service:a@service:b",
    ],
)
def test_parse_rejects_with_the_forms(text: str) -> None:
    with pytest.raises(EntityParseError, match=r"expected|scoped|only service"):
        parse_entity(text)


def test_country_code_of_each_form() -> None:
    assert parse_entity("region:KZ-75").country_code == "KZ"
    assert parse_entity("service:signal@country:IR").country_code == "IR"
    assert parse_entity("asn:1").country_code is None
    assert parse_entity("service:whatsapp@region:KZ-75").country_code == "KZ"


def test_service_scope_is_where_the_service_was_seen_from() -> None:
    assert str(parse_entity("service:whatsapp@region:KZ-75").seen_from) == "region:KZ-75"
    assert parse_entity("region:KZ-75").seen_from is None
    assert service_scope("service:whatsapp@region:KZ-75") == "region:KZ-75"
    assert service_scope("service:x@local:US-LA/calcasieu") == "local:US-LA/calcasieu"
    assert service_scope("region:KZ-75") == service_scope("service:whatsapp") == ""


def test_event_json_round_trip() -> None:
    event = Event(
        id="x",
        entity="country:KZ",
        entity_name="Kazakhstan",
        kind="blackout",
        scope="national",
        start=parse_iso("2022-01-05T10:35:00Z"),
        end=None,
        level=2.94,
        signals=("probe", "traffic"),
        confidence=0.912,
        children=("asn:29355",),
        phases=(Phase(1641378900, None, 2.9, "blackout"),),
    )
    data = event.to_json()
    assert data["start"] == "2022-01-05T10:35:00Z" and data["end"] is None and data["ongoing"] is True
    assert data["level"] == 2.9 and data["confidence"] == 0.91
    back = Event.from_json(data)
    assert (
        back.start == event.start and back.phases[0].start == 1641378900 and back.children == ("asn:29355",)
    )


def test_iso_needs_a_zone() -> None:
    assert iso(0) == "1970-01-01T00:00:00Z"
    assert parse_iso("2022-01-05T16:35:00+06:00") == parse_iso("2022-01-05T10:35:00Z")
    with pytest.raises(ValueError, match="zone"):
        parse_iso("2022-01-05T10:35:00")
