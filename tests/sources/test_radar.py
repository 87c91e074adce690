"""The Cloudflare Radar source against a loopback replay of its API (SYNTHETIC Kazakhstan), with faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from statistics import median
from urllib.parse import parse_qs

import pytest

from netvigil.model.errors import SourceError, UnknownEntityError
from netvigil.model.signals import SignalPoint
from netvigil.sim.kazakhstan import BLACKOUT_START, KCELL, RESTORED, utc
from netvigil.sim.services import Fault, FaultKind, ServiceHarness
from netvigil.sim.services_radar import TOKEN, radar_app
from netvigil.sources import public
from netvigil.sources.http import SourceClient
from netvigil.sources.radar import SETTINGS, RadarEntity, RadarSource, envelope_result, radar_entity, spans
from tests.sources.clock import Clock, clocked_client

DAY = 86_400
TIMESERIES = "/client/v4/radar/netflows/timeseries"
ANOMALIES = "/client/v4/radar/traffic_anomalies"
OUTAGES = "/client/v4/radar/annotations/outages"
SINCE = utc(29, 0, month=12, year=2021)
UNTIL = utc(12, 0)
ORDINARY = (utc(30, 0, month=12, year=2021), utc(4, 0))


@pytest.fixture(scope="module")
def server() -> Iterator[ServiceHarness]:
    with ServiceHarness(radar_app()).running() as running:
        yield running


def _client(service: ServiceHarness, tmp_path: Path, clock: Clock, token: str | None = TOKEN) -> SourceClient:
    env = {"NETVIGIL_RADAR_URL": f"{service.base_url}/client/v4"}
    if token is not None:
        env["CLOUDFLARE_API_TOKEN"] = token
    return clocked_client(SETTINGS, env, tmp_path / "http", clock)


@pytest.fixture
def client(service: ServiceHarness, tmp_path: Path, clock: Clock) -> Iterator[SourceClient]:
    with _client(service, tmp_path, clock) as made:
        yield made


def _points(client: SourceClient, entity: str, since: int, until: int) -> list[SignalPoint]:
    return [point for batch in RadarSource().fetch_signals(client, entity, since, until) for point in batch]


def _between(points: list[SignalPoint], start: int, end: int) -> list[float]:
    return [p.value for p in points if start <= p.time < end]


def test_registered_under_its_name() -> None:
    source = public.get("radar")
    assert isinstance(source, RadarSource)
    assert source.signals == ("radar.traffic",) and source.window == 7 * DAY
    assert SETTINGS.base_url({}) == "https://api.cloudflare.com/client/v4"
    assert SETTINGS.base_url({"NETVIGIL_RADAR_URL": "http://mirror/client/v4/"}) == "http://mirror/client/v4"
    assert SETTINGS.token({"CLOUDFLARE_API_TOKEN": "t"}) == "t" and SETTINGS.token_required


def test_entities_map_country_and_asn_and_say_what_is_not_mapped() -> None:
    assert radar_entity("country:KZ") == RadarEntity("location", "KZ")
    assert radar_entity("asn:29355") == RadarEntity("asn", "29355")
    with pytest.raises(UnknownEntityError, match=r"region:KZ-75.*ISO 3166-2.*country:CC or asn:N"):
        radar_entity("region:KZ-75")
    with pytest.raises(UnknownEntityError, match="service"):
        radar_entity("service:whatsapp")


def test_an_unmapped_entity_yields_nothing_and_asks_nothing(
    client: SourceClient, service: ServiceHarness
) -> None:
    assert _points(client, "region:KZ-75", SINCE, UNTIL) == []
    assert RadarSource().fetch_events(client, "service:whatsapp", SINCE, UNTIL) == []
    assert service.requests == []


def test_fourteen_days_of_country_traffic_in_week_long_requests(
    client: SourceClient, service: ServiceHarness
) -> None:
    points = _points(client, "country:KZ", SINCE, UNTIL)
    assert [p.time for p in points] == list(range(SINCE, UNTIL, 3600))
    assert {(p.entity, p.signal, p.source) for p in points} == {("country:KZ", "radar.traffic", "radar")}
    assert all(0.0 <= p.value <= 1.0 for p in points)
    hits = service.hits(TIMESERIES)
    assert len(hits) == len(spans(SINCE, UNTIL)) == 3
    query = parse_qs(hits[0].query)
    assert query["name"] == ["window", "reference"] and query["location"] == ["KZ", "KZ"]
    assert query["dateStart"][0] == "2021-12-29T00:00:00Z" and query["dateEnd"][1] == "2021-12-29T00:00:00Z"
    assert (query["aggInterval"], query["normalization"]) == (["1h"], ["MIN0_MAX"])
    assert hits[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_the_blackout_and_the_restoration_show(client: SourceClient) -> None:
    points = _points(client, "country:KZ", SINCE, UNTIL)
    ordinary = median(_between(points, *ORDINARY))
    assert max(_between(points, BLACKOUT_START + 3600, utc(5, 19))) < 0.1 * ordinary
    assert median(_between(points, RESTORED + 3 * 3600, UNTIL)) > 0.7 * ordinary


def test_asn_traffic_shows_the_mobile_cut(client: SourceClient, service: ServiceHarness) -> None:
    points = _points(client, KCELL.entity, SINCE, UNTIL)
    assert {p.entity for p in points} == {"asn:29355"}
    ordinary = median(_between(points, *ORDINARY))
    assert max(_between(points, utc(4, 16), BLACKOUT_START)) < 0.4 * ordinary
    assert parse_qs(service.hits(TIMESERIES)[0].query)["asn"] == ["29355", "29355"]


def test_a_week_inside_the_outage_keeps_the_scale_of_the_week_before(client: SourceClient) -> None:
    week = _points(client, "country:KZ", utc(6, 0), utc(10, 0))
    assert max(p.value for p in week) < 0.5


def test_country_events_anomalies_and_the_nationwide_outage(
    service: ServiceHarness, client: SourceClient
) -> None:
    found = RadarSource().fetch_events(client, "country:KZ", SINCE, UNTIL)
    anomalies = sorted((e for e in found if e.kind == "anomaly:LOCATION"), key=lambda e: e.start)
    # the mobile networks throttled to ~4 % from 16:00 on 4 January take the country below half
    assert [(a.start, a.end, a.level) for a in anomalies] == [
        (utc(4, 16), utc(10, 2), "VERIFIED"),
        (utc(10, 3, 30), RESTORED, "VERIFIED"),
    ]
    page = "https://radar.cloudflare.com/traffic/kz?"
    assert all(a.url.startswith(page) and a.source_id for a in anomalies)
    [outage] = [e for e in found if e.kind.startswith("outage:")]
    assert (outage.kind, outage.level, outage.start, outage.end) == (
        "outage:GOVERNMENT_DIRECTED",
        "NATIONWIDE",
        BLACKOUT_START,
        RESTORED,
    )
    assert outage.url == "https://example.org/synthetic/kz-2022-shutdown" and outage.source_id == "1"
    assert {e.entity for e in found} == {"country:KZ"} and {e.source for e in found} == {"radar"}
    assert len(found) == 3


def test_asn_events_the_mobile_cut(client: SourceClient) -> None:
    found = RadarSource().fetch_events(client, KCELL.entity, SINCE, UNTIL)
    assert sorted(e.kind for e in found) == ["anomaly:AS", "anomaly:AS", "outage:GOVERNMENT_DIRECTED"]
    [network] = [e for e in found if e.kind.startswith("outage:")]
    assert (network.level, network.start, network.end) == ("NETWORK", utc(4, 16), BLACKOUT_START)
    assert network.url == "https://radar.cloudflare.com/outage-center"
    assert min(e.start for e in found if e.kind == "anomaly:AS") == utc(4, 16)


def test_events_are_paged_with_limit_and_offset(client: SourceClient, service: ServiceHarness) -> None:
    found = RadarSource(page_limit=3).fetch_events(client, "country:KZ", SINCE, UNTIL)
    offsets = [parse_qs(r.query)["offset"] for r in service.hits(ANOMALIES)]
    assert offsets == [["0"], ["3"], ["6"], ["9"]]
    assert len(found) == 3


def test_no_events_on_ordinary_days(client: SourceClient) -> None:
    assert RadarSource().fetch_events(client, "country:KZ", *ORDINARY) == []


def test_without_a_token_one_clear_error_and_no_request(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    with _client(service, tmp_path, clock, token=None) as client, pytest.raises(SourceError) as caught:
        _points(client, "country:KZ", SINCE, UNTIL)
    assert caught.value.kind == "unauthorised" and caught.value.source == "radar"
    assert str(caught.value) == "Cloudflare Radar needs a token: set CLOUDFLARE_API_TOKEN"
    assert service.requests == []


def test_a_wrong_token_is_refused_by_the_service(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    with _client(service, tmp_path, clock, token="wrong") as client, pytest.raises(SourceError) as caught:
        RadarSource().fetch_events(client, "country:KZ", SINCE, UNTIL)
    assert caught.value.kind == "unauthorised"
    assert "Authentication error" in str(caught.value) and "\n" not in str(caught.value)
    assert len(service.hits(ANOMALIES)) == 1


def test_429_with_retry_after_then_success(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add(TIMESERIES, Fault("status", status=429, retry_after="7", times=2))
    assert len(_points(client, "country:KZ", utc(3, 0), utc(4, 0))) == 24
    assert len(service.hits(TIMESERIES)) == 3
    assert clock.slept.count(7.0) == 2


def test_500_then_success(client: SourceClient, service: ServiceHarness) -> None:
    service.faults.add(ANOMALIES, Fault("status", status=500))
    assert len(RadarSource().fetch_events(client, "country:KZ", SINCE, UNTIL)) == 3
    assert len(service.hits(ANOMALIES)) == 2


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_truncated_and_malformed_bodies(
    client: SourceClient, service: ServiceHarness, kind: FaultKind
) -> None:
    service.faults.add(TIMESERIES, Fault(kind))
    with pytest.raises(SourceError) as caught:
        _points(client, "country:KZ", utc(3, 0), utc(4, 0))
    assert caught.value.kind == "malformed"


def test_the_envelope_is_checked(client: SourceClient) -> None:
    failed = {"success": False, "errors": [{"code": 10001, "message": "No data"}], "result": None}
    with pytest.raises(SourceError, match="No data") as caught:
        envelope_result(client, "u", failed)
    assert caught.value.kind == "server_error"
    with pytest.raises(SourceError, match="partial") as caught:
        envelope_result(client, "u", {"success": True, "errors": [{"message": "partial"}], "result": {}})
    assert caught.value.kind == "server_error"
    for body in ({"result": {}}, {"success": True, "errors": []}, [1, 2]):
        with pytest.raises(SourceError) as caught:
            envelope_result(client, "u", body)
        assert caught.value.kind == "malformed"


def test_an_unknown_asn_has_no_points(client: SourceClient) -> None:
    assert _points(client, "asn:64512", utc(3, 0), utc(4, 0)) == []
