"""The IODA source against a loopback replay of IODA API v2 (SYNTHETIC Kazakhstan 2022), with faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from starlette.routing import Route

from netvigil.model.errors import SourceError, UnknownEntityError
from netvigil.model.signals import SignalPoint
from netvigil.sim import services_ioda
from netvigil.sim.services import Fault, FaultKind, ServiceHarness
from netvigil.sim.services_ioda import BLACKOUT_END, BLACKOUT_START, GAP, ioda_app
from netvigil.sources import public
from netvigil.sources.http import SourceClient
from netvigil.sources.ioda import (
    SETTINGS,
    IodaEntity,
    IodaSource,
    fetch_report,
    ioda_entity,
    listed_datasources,
    match_regions,
    spans,
)
from tests.sources.clock import Clock, clocked_client

DAY = 86_400
SIGNALS = "/v2/signals/raw/country/KZ"
BEFORE = 1_641_168_000 - DAY  # 2022-01-02 00:00 UTC, a normal day
JAN_5 = 1_641_340_800  # 2022-01-05 00:00 UTC
MOBILE_CUT = 1_641_312_000  # 2022-01-04 16:00 UTC: Kcell and Tele2 at 4 % take the country below half



async def _error_on_200(request: object) -> object:
    return services_ioda.envelope("signals", {}, None, "influx: backend query failed")


@pytest.fixture(scope="module")
def server() -> Iterator[ServiceHarness]:
    app = ioda_app()
    app.router.routes.insert(0, Route("/v2/signals/raw/country/XK", _error_on_200))
    with ServiceHarness(app).running() as running:
        yield running


@pytest.fixture
def client(service: ServiceHarness, tmp_path: Path, clock: Clock) -> Iterator[SourceClient]:
    env = {"NETVIGIL_IODA_URL": f"{service.base_url}/v2"}
    with clocked_client(SETTINGS, env, tmp_path / "http", clock) as made:
        yield made


def _points(
    source: IodaSource, client: SourceClient, entity: str, since: int, until: int
) -> list[SignalPoint]:
    return [point for batch in source.fetch_signals(client, entity, since, until) for point in batch]


def _of(points: list[SignalPoint], signal: str) -> list[SignalPoint]:
    return [p for p in points if p.signal == signal]


def test_registered_under_its_name() -> None:
    source = public.get("ioda")
    assert isinstance(source, IodaSource)
    assert source.signals == ("ioda.bgp", "ioda.ping-slash24", "ioda.merit-nt", "ioda.gtr")
    assert SETTINGS.base_url({}) == "https://api.ioda.inetintel.cc.gatech.edu/v2"
    assert SETTINGS.base_url({"NETVIGIL_IODA_URL": "http://mirror/v2/"}) == "http://mirror/v2"


def test_entities_map_country_and_asn_and_say_what_is_not_mapped() -> None:
    assert ioda_entity("country:KZ") == IodaEntity("country", "KZ")
    assert ioda_entity("asn:29355") == IodaEntity("asn", "29355")
    with pytest.raises(UnknownEntityError, match=r"region:KZ-75.*ISO 3166-2.*country:CC or asn:N"):
        ioda_entity("region:KZ-75")
    with pytest.raises(UnknownEntityError, match="services"):
        ioda_entity("service:whatsapp")


def test_an_unmapped_entity_yields_nothing_and_asks_nothing(
    client: SourceClient, service: ServiceHarness
) -> None:
    source = IodaSource()
    assert _points(source, client, "service:whatsapp", JAN_5, JAN_5 + DAY) == []
    assert source.fetch_events(client, "service:whatsapp", JAN_5, JAN_5 + DAY) == []
    assert service.requests == []


def test_signals_one_request_per_datasource_with_steps_from_the_series(
    client: SourceClient, service: ServiceHarness
) -> None:
    points = _points(IodaSource(), client, "country:KZ", BEFORE, BEFORE + DAY)
    steps = {"ioda.bgp": 300, "ioda.ping-slash24": 600, "ioda.merit-nt": 300, "ioda.gtr": 1800}
    for signal, step in steps.items():
        times = [p.time for p in _of(points, signal)]
        assert times == list(range(BEFORE, BEFORE + DAY, step)), signal
    assert {p.entity for p in points} == {"country:KZ"} and {p.source for p in points} == {"ioda"}
    queries = [parse_qs(r.query) for r in service.hits(SIGNALS)]
    assert [q["datasource"] for q in queries] == [["bgp"], ["ping-slash24"], ["merit-nt"], ["gtr"]]
    assert all(q["from"] == [str(BEFORE)] and q["until"] == [str(BEFORE + DAY)] for q in queries)
    assert all("maxPoints" not in q for q in queries)


def test_null_values_are_gaps_not_zeros(client: SourceClient) -> None:
    source = IodaSource(("ping-slash24",))
    points = _of(_points(source, client, "country:KZ", GAP[0] - 3600, GAP[1] + 3600), "ioda.ping-slash24")
    times = {p.time for p in points}
    assert not times & set(range(GAP[0], GAP[1], 600))
    assert len(points) == (GAP[1] - GAP[0] + 7200) // 600 - 3
    assert all(p.value > 0 for p in points)


def test_from_rounded_down_by_the_server_is_cut_back_to_the_window(client: SourceClient) -> None:
    since = BEFORE + 1234
    points = _points(IodaSource(("gtr",)), client, "country:KZ", since, since + 4 * 3600)
    assert points and min(p.time for p in points) >= since and max(p.time for p in points) < since + 4 * 3600
    assert all(p.time % 1800 == 0 for p in points)


def test_the_blackout_shows_as_a_drop(client: SourceClient) -> None:
    points = _points(IodaSource(("bgp", "ping-slash24")), client, "country:KZ", JAN_5 - DAY, JAN_5 + DAY)
    first_hours = range(BLACKOUT_START + 300, BLACKOUT_START + 6 * 3600)
    for signal, share in (("ioda.bgp", 0.75), ("ioda.ping-slash24", 0.03)):
        before = [p.value for p in _of(points, signal) if p.time < JAN_5 - DAY / 2]
        during = [p.value for p in _of(points, signal) if p.time in first_hours]
        assert max(during) < min(before) * share * 1.5


def test_asn_signals(client: SourceClient, service: ServiceHarness) -> None:
    points = _points(IodaSource(("bgp",)), client, "asn:29355", BEFORE, BEFORE + 3600)
    assert [p.entity for p in points] == ["asn:29355"] * 12
    assert service.hits("/v2/signals/raw/asn/29355")


def test_a_span_of_100_days_or_more_is_split(client: SourceClient, service: ServiceHarness) -> None:
    since, until = JAN_5 - 150 * DAY, JAN_5 + 10 * DAY
    assert all(end - start < 100 * DAY for start, end in spans(since, until))
    points = _points(IodaSource(("gtr",)), client, "country:KZ", since, until)
    hits = [parse_qs(r.query) for r in service.hits(SIGNALS)]
    assert len(hits) == len(spans(since, until)) >= 2
    assert hits[0]["from"] == [str(since)] and hits[-1]["until"] == [str(until)]
    assert [p.time for p in points] == list(range(since, until, 1800))


def test_envelope_error_on_200_is_a_server_error(client: SourceClient) -> None:
    with pytest.raises(SourceError, match="influx: backend query failed") as caught:
        _points(IodaSource(("bgp",)), client, "country:XK", JAN_5, JAN_5 + DAY)
    assert caught.value.kind == "server_error"


def test_429_with_retry_after_then_success(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add(SIGNALS, Fault("status", status=429, retry_after="7", times=2))
    points = _points(IodaSource(("bgp",)), client, "country:KZ", BEFORE, BEFORE + 3600)
    assert len(points) == 12
    assert len(service.hits(SIGNALS)) == 3
    assert clock.slept.count(7.0) == 2


def test_one_failing_datasource_is_reported_and_the_others_come_back(
    client: SourceClient, service: ServiceHarness
) -> None:
    service.faults.add(SIGNALS, Fault("status", status=500, times=SETTINGS.retries + 1))
    points, report = fetch_report(IodaSource(), client, "country:KZ", BEFORE, BEFORE + 3600)
    assert {p.signal for p in points} == {"ioda.ping-slash24", "ioda.merit-nt", "ioda.gtr"}
    assert report.points == len(points)
    assert len(report.failures) == 1
    assert "HTTP 500" in report.failures[0] and "datasource=bgp" in report.failures[0]
    assert report.requests == SETTINGS.retries + 1 + 3


def test_without_a_failure_list_the_others_are_yielded_then_the_error_raised(
    client: SourceClient, service: ServiceHarness
) -> None:
    service.faults.add(SIGNALS, Fault("status", status=500, times=SETTINGS.retries + 1))
    got: list[SignalPoint] = []
    with pytest.raises(SourceError) as caught:
        for batch in IodaSource(("bgp", "gtr")).fetch_signals(client, "country:KZ", BEFORE, BEFORE + 3600):
            got.extend(batch)
    assert caught.value.kind == "server_error"
    assert {p.signal for p in got} == {"ioda.gtr"}


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_truncated_and_malformed_bodies(
    client: SourceClient, service: ServiceHarness, kind: FaultKind
) -> None:
    service.faults.add(SIGNALS, Fault(kind))
    with pytest.raises(SourceError) as caught:
        _points(IodaSource(("bgp",)), client, "country:KZ", BEFORE, BEFORE + 3600)
    assert caught.value.kind == "malformed"


def test_nested_values_are_skipped_and_counted(client: SourceClient) -> None:
    source = IodaSource(("ping-slash24-loss", "bgp"))
    points, report = fetch_report(source, client, "country:KZ", BEFORE, BEFORE + 3600)
    assert {p.signal for p in points} == {"ioda.bgp"}
    assert report.failures == ("IODA ping-slash24-loss: 6 nested values skipped for country:KZ",)


def test_listed_datasources(client: SourceClient) -> None:
    assert listed_datasources(client) == ["bgp", "ping-slash24", "ping-slash24-loss", "merit-nt", "gtr"]


def test_events_and_alerts(client: SourceClient, service: ServiceHarness) -> None:
    found = IodaSource().fetch_events(client, "country:KZ", JAN_5 - DAY, JAN_5 + 7 * DAY)
    events = [e for e in found if e.kind.startswith("event:")]
    kinds = ["event:bgp.median", "event:merit-nt.median", "event:ping-slash24.median"]
    assert sorted(e.kind for e in events) == kinds
    for event in events:
        assert (event.start, event.end, event.source, event.entity) == (
            MOBILE_CUT,
            BLACKOUT_END,
            "ioda",
            "country:KZ",
        )
        assert event.score is not None and event.score > 0
        assert event.source_id.startswith("country/KZ/") and event.url.startswith("https://ioda.inetintel")
    alerts = [e for e in found if e.kind.startswith("alert:")]
    assert [(a.kind, a.level, a.start) for a in alerts] == [
        ("alert:bgp.median", "critical", MOBILE_CUT),
        ("alert:ping-slash24.median", "critical", MOBILE_CUT),
    ]
    query = parse_qs(service.hits("/v2/outages/events")[0].query)
    assert (query["entityType"], query["entityCode"], query["format"]) == (["country"], ["KZ"], ["codf"])


def test_an_event_open_at_the_window_end_is_ongoing(client: SourceClient) -> None:
    found = IodaSource().fetch_events(client, "asn:29355", JAN_5, JAN_5 + 2 * DAY)
    events = [e for e in found if e.kind.startswith("event:")]
    assert len(events) == 3 and all(e.ongoing and e.entity == "asn:29355" for e in events)


def test_no_events_before_the_blackout(client: SourceClient) -> None:
    assert IodaSource().fetch_events(client, "country:KZ", BEFORE - 30 * DAY, BEFORE - 20 * DAY) == []


def test_the_replay_refuses_100_days_as_ioda_does(client: SourceClient) -> None:
    with pytest.raises(SourceError, match="less than 100 days") as caught:
        client.get_json("signals/raw/country/KZ", {"from": JAN_5, "until": JAN_5 + 100 * DAY})
    assert caught.value.kind == "rejected"


def test_an_alert_at_the_window_start_is_kept(client: SourceClient) -> None:
    found = IodaSource().fetch_events(client, "country:KZ", MOBILE_CUT, MOBILE_CUT + 3600)
    assert [a.level for a in found if a.kind.startswith("alert:")] == ["critical", "critical"]


def test_regions_are_matched_to_iso_3166_2_by_name() -> None:
    named = {"1": "Almaty City", "3": "Mangghystau", "4": "Astana", "5": "Nowhere Land", "6": "Shymkent"}
    assert match_regions("KZ", named) == {"KZ-75": "1", "KZ-47": "3", "KZ-71": "4", "KZ-79": "6"}
    assert match_regions("KZ", {"2": "Almaty"}) == {"KZ-75": "2"}
    assert match_regions("KZ", {"9": "Almaty Oblysy"}) == {"KZ-19": "9"}


def test_a_region_is_fetched_under_iodas_code_and_stored_under_its_iso_code(
    client: SourceClient, service: ServiceHarness
) -> None:
    source = IodaSource(("ping-slash24",))
    points = _points(source, client, "region:KZ-75", BEFORE, BEFORE + 3600)
    assert {p.entity for p in points} == {"region:KZ-75"} and len(points) == 6
    code = services_ioda.REGION_CODES["KZ-75"]
    assert service.hits(f"/v2/signals/raw/region/{code}")
    assert len(service.hits("/v2/entities/query")) == 1
    _points(source, client, "region:KZ-71", BEFORE, BEFORE + 3600)
    assert len(service.hits("/v2/entities/query")) == 1, "the country's regions are looked up once"
    assert _points(source, client, "region:KZ-10", BEFORE, BEFORE + 3600) == []


def test_almaty_comes_back_before_the_country(client: SourceClient) -> None:
    source = IodaSource(("ping-slash24",))
    entities = ("region:KZ-75", "country:KZ")
    found = {e: source.fetch_events(client, e, JAN_5, JAN_5 + 7 * DAY) for e in entities}
    ends = {e: max(x.end or 0 for x in events if x.kind.startswith("event:")) for e, events in found.items()}
    assert ends["region:KZ-75"] < ends["country:KZ"] == BLACKOUT_END
