"""The OONI sources against a replay of OONI's API and S3 archive (SYNTHETIC Kazakhstan 2022), with faults."""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from netvigil.detect.ooni import CLASSIFIERS
from netvigil.model.errors import SourceError, UnknownEntityError
from netvigil.model.signals import SignalPoint
from netvigil.sim import kazakhstan
from netvigil.sim.ooni import simulate
from netvigil.sim.services import Fault, FaultKind, ServiceHarness
from netvigil.sim.services_ooni import BUCKET, Measurement, Replay, ooni_app
from netvigil.sources import public
from netvigil.sources.http import SourceClient
from netvigil.sources.ooni import parse_line
from netvigil.sources.ooni_api import (
    ARCHIVE_SETTINGS,
    SETTINGS,
    TESTS,
    OoniArchiveSource,
    OoniQuery,
    OoniSource,
    aggregation_spans,
    api_time,
    archive_keys,
    ooni_query,
)
from tests.sources.clock import Clock, clocked_client

DAY = 86_400
DEC_28 = kazakhstan.utc(28, 0, month=12, year=2021)
JAN_5 = kazakhstan.utc(5, 0)
LIST = "/api/v1/measurements"
RAW = "/api/v1/raw_measurement"
AGGREGATION = "/api/v1/aggregation"
KCELL = "asn:29355"
START, END = kazakhstan.utc(26, 0, month=12, year=2021), kazakhstan.utc(8, 0)


@pytest.fixture(scope="module")
def app() -> Starlette:
    return ooni_app(start=START, end=END)


@pytest.fixture(scope="module")
def server(app: Starlette) -> Iterator[ServiceHarness]:
    with ServiceHarness(app).running() as running:
        yield running


@pytest.fixture
def replay(app: Starlette) -> Replay:
    found: Replay = app.state.replay
    return found


def _client(settings: object, env: dict[str, str], tmp_path: Path, clock: Clock) -> SourceClient:
    assert settings in (SETTINGS, ARCHIVE_SETTINGS)
    chosen = SETTINGS if settings is SETTINGS else ARCHIVE_SETTINGS
    return clocked_client(chosen, env, tmp_path / "http", clock)


@pytest.fixture
def client(service: ServiceHarness, tmp_path: Path, clock: Clock) -> Iterator[SourceClient]:
    with _client(SETTINGS, {"NETVIGIL_OONI_URL": service.base_url}, tmp_path, clock) as made:
        yield made


@pytest.fixture
def archive(service: ServiceHarness, tmp_path: Path, clock: Clock) -> Iterator[SourceClient]:
    env = {"NETVIGIL_OONI_ARCHIVE_URL": f"{service.base_url}/{BUCKET}"}
    with _client(ARCHIVE_SETTINGS, env, tmp_path, clock) as made:
        yield made


def _docs(batches: Iterator[list[bytes]]) -> list[bytes]:
    return [doc for batch in batches for doc in batch]


def _expected(replay: Replay, since: int, until: int, asn: int | None = None) -> list[Measurement]:
    return [m for m in replay.measurements if since <= m.start < until and asn in (None, m.asn)]


def test_registered_under_their_names() -> None:
    api, bulk = public.get("ooni"), public.get("ooni-archive")
    assert isinstance(api, OoniSource) and isinstance(api, public.MeasurementSource)
    assert isinstance(bulk, OoniArchiveSource) and isinstance(bulk, public.MeasurementSource)
    assert api.signals == ("ooni.measurements", "ooni.anomalies", "ooni.confirmed", "ooni.failures")
    assert bulk.signals == () and api.window == bulk.window == DAY
    assert SETTINGS.base_url({}) == "https://api.ooni.io"
    assert SETTINGS.base_url({"NETVIGIL_OONI_URL": "http://mirror/"}) == "http://mirror"
    assert ARCHIVE_SETTINGS.base_url({}) == "https://ooni-data-eu-fra.s3.eu-central-1.amazonaws.com"
    assert ARCHIVE_SETTINGS.url_env == "NETVIGIL_OONI_ARCHIVE_URL"


def test_the_tests_asked_for_are_the_tests_netvigil_classifies() -> None:
    assert set(TESTS) == set(CLASSIFIERS)


def test_entities_map_country_and_asn_and_say_what_is_not_mapped() -> None:
    assert ooni_query("country:KZ") == OoniQuery("probe_cc", "KZ")
    assert ooni_query(KCELL) == OoniQuery("probe_asn", "AS29355")
    with pytest.raises(UnknownEntityError, match=r"region:KZ-75.*country and AS only"):
        ooni_query("region:KZ-75")
    with pytest.raises(UnknownEntityError, match="country:CC or asn:N"):
        ooni_query("service:whatsapp")


def test_an_unmapped_entity_yields_nothing_and_asks_nothing(
    client: SourceClient, archive: SourceClient, service: ServiceHarness
) -> None:
    source, bulk = OoniSource(), OoniArchiveSource(files=Path("unused"))
    for entity in ("region:KZ-75", "service:whatsapp"):
        assert _docs(source.fetch_measurements(client, entity, DEC_28, DEC_28 + DAY)) == []
        assert list(source.fetch_signals(client, entity, DEC_28, DEC_28 + DAY)) == []
        assert _docs(bulk.fetch_measurements(archive, entity, DEC_28, DEC_28 + DAY)) == []
    assert _docs(bulk.fetch_measurements(archive, KCELL, DEC_28, DEC_28 + DAY)) == []
    assert source.fetch_events(client, "country:KZ", DEC_28, DEC_28 + DAY) == []
    assert bulk.fetch_events(archive, "country:KZ", DEC_28, DEC_28 + DAY) == []
    assert service.requests == []


def test_a_day_is_listed_over_several_pages_and_each_measurement_fetched_whole(
    client: SourceClient, service: ServiceHarness, replay: Replay
) -> None:
    docs = _docs(OoniSource(page_limit=40).fetch_measurements(client, "country:KZ", DEC_28, DEC_28 + DAY))
    expected = _expected(replay, DEC_28, DEC_28 + DAY)
    assert docs == [m.body for m in expected]
    pages = [parse_qs(r.query) for r in service.hits(LIST)]
    assert len(pages) == math.ceil(len(expected) / 40) >= 3
    assert [q.get("offset", ["0"]) for q in pages] == [[str(40 * k)] for k in range(len(pages))]
    first = pages[0]
    assert first["probe_cc"] == ["KZ"] and first["order"] == ["asc"] and first["limit"] == ["40"]
    assert first["test_name"] == [",".join(TESTS)]
    assert len(service.hits(RAW)) == len(expected)


def test_window_edges_translate_to_since_exclusive_until_inclusive(
    client: SourceClient, service: ServiceHarness, replay: Replay
) -> None:
    edge = next(m for m in replay.measurements if m.asn == 29355 and m.start > DEC_28)
    source = OoniSource()
    before = _docs(source.fetch_measurements(client, KCELL, edge.start - 3600, edge.start))
    after = _docs(source.fetch_measurements(client, KCELL, edge.start, edge.start + 3600))
    assert edge.body not in before and after[0] == edge.body
    whole = _docs(source.fetch_measurements(client, KCELL, edge.start - 3600, edge.start + 3600))
    expected = _expected(replay, edge.start - 3600, edge.start + 3600, 29355)
    assert before + after == whole == [m.body for m in expected]
    query = parse_qs(service.hits(LIST)[1].query)
    assert query["since"] == [api_time(edge.start - 1)] and query["until"] == [api_time(edge.start + 3599)]
    assert query["probe_asn"] == ["AS29355"]


def test_the_raw_measurement_is_the_simulated_document(client: SourceClient) -> None:
    docs = _docs(OoniSource().fetch_measurements(client, KCELL, DEC_28, DEC_28 + 3600))
    made = simulate(kazakhstan.timeline(), "KZ", list(kazakhstan.ASNS), start=START, end=END, per_hour=1)
    by_uid = {m["measurement_uid"]: m for m in made}
    assert docs
    for doc in docs:
        fetched = orjson.loads(doc)
        assert fetched == by_uid[fetched["measurement_uid"]]
        assert not isinstance(parse_line(doc), str)


def test_429_with_retry_after_is_waited_out(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add(LIST, Fault("status", status=429, retry_after="7", times=2))
    docs = _docs(OoniSource().fetch_measurements(client, KCELL, DEC_28, DEC_28 + 3600))
    assert len(docs) == 4
    assert len(service.hits(LIST)) == 3 and clock.slept.count(7.0) == 2


def test_a_500_then_success_and_a_dropped_connection_are_retried(
    client: SourceClient, service: ServiceHarness
) -> None:
    service.faults.add(RAW, Fault("status", status=500))
    service.faults.add(LIST, Fault("drop"))
    failures: list[str] = []
    docs = _docs(OoniSource().fetch_measurements(client, KCELL, DEC_28, DEC_28 + 3600, failures=failures))
    assert len(docs) == 4 and failures == []
    assert len(service.hits(LIST)) == 2 and len(service.hits(RAW)) == 5


def test_a_service_failure_stops_the_window(client: SourceClient, service: ServiceHarness) -> None:
    service.faults.add(RAW, Fault("status", status=503, times=SETTINGS.retries + 1))
    with pytest.raises(SourceError) as caught:
        _docs(OoniSource().fetch_measurements(client, KCELL, DEC_28, DEC_28 + 3600, failures=[]))
    assert caught.value.kind == "server_error"


@pytest.mark.parametrize(
    ("fault", "kind"), [(Fault("truncate"), "malformed"), (Fault("status", status=404), "not_found")]
)
def test_a_bad_raw_measurement_is_counted_and_skipped(
    client: SourceClient, service: ServiceHarness, fault: Fault, kind: str
) -> None:
    service.faults.add(RAW, fault)
    failures: list[str] = []
    docs = _docs(OoniSource().fetch_measurements(client, KCELL, DEC_28, DEC_28 + 3600, failures=failures))
    assert len(docs) == 3 and len(failures) == 1
    assert "measurement_uid=" in failures[0]
    service.faults.add(RAW, fault)
    got: list[bytes] = []
    with pytest.raises(SourceError) as caught:
        for batch in OoniSource().fetch_measurements(client, KCELL, DEC_28, DEC_28 + 3600):
            got.extend(batch)
    assert caught.value.kind == kind and len(got) == 3


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_a_bad_listing_page_is_malformed(
    client: SourceClient, service: ServiceHarness, kind: FaultKind
) -> None:
    service.faults.add(LIST, Fault(kind))
    with pytest.raises(SourceError) as caught:
        _docs(OoniSource().fetch_measurements(client, KCELL, DEC_28, DEC_28 + 3600))
    assert caught.value.kind == "malformed"
    assert service.hits(RAW) == []


def _of(points: list[SignalPoint], signal: str) -> list[SignalPoint]:
    return [p for p in points if p.signal == signal]


def test_aggregation_gives_hourly_counts(
    client: SourceClient, service: ServiceHarness, replay: Replay
) -> None:
    batches = OoniSource().fetch_signals(client, "country:KZ", JAN_5, JAN_5 + DAY)
    points = [p for batch in batches for p in batch]
    expected = _expected(replay, JAN_5, JAN_5 + DAY)
    measured = _of(points, "ooni.measurements")
    assert [p.time for p in measured] == sorted({m.start - m.start % 3600 for m in expected})
    assert sum(p.value for p in measured) == len(expected)
    anomalies = sum(p.value for p in _of(points, "ooni.anomalies"))
    assert anomalies == sum(m.verdict == "anomaly" for m in expected) > 0
    assert {p.source for p in points} == {"ooni"} and {p.entity for p in points} == {"country:KZ"}
    query = parse_qs(service.hits(AGGREGATION)[0].query)
    assert (query["since"], query["until"], query["time_grain"]) == (["2022-01-05"], ["2022-01-06"], ["hour"])


def test_aggregation_of_more_than_a_week_is_split_and_cut_to_the_window(
    client: SourceClient, service: ServiceHarness
) -> None:
    since, until = DEC_28 + 5 * 3600, DEC_28 + 9 * DAY + 3600
    points = [p for batch in OoniSource().fetch_signals(client, KCELL, since, until) for p in batch]
    hits = [parse_qs(r.query) for r in service.hits(AGGREGATION)]
    assert len(hits) == len(aggregation_spans(since, until)) >= 2
    assert hits[0]["since"] == ["2021-12-28"] and hits[-1]["until"] == ["2022-01-07"]
    times = [p.time for p in _of(points, "ooni.measurements")]
    assert min(times) == since and max(times) == until - 3600 and len(times) == len(set(times))


def test_the_archive_gives_the_same_measurements_as_the_api(
    client: SourceClient, archive: SourceClient, service: ServiceHarness, tmp_path: Path
) -> None:
    via_api = _docs(OoniSource().fetch_measurements(client, "country:KZ", DEC_28, DEC_28 + DAY))
    bulk = OoniArchiveSource(late=DAY, files=tmp_path / "files")
    via_archive = _docs(bulk.fetch_measurements(archive, "country:KZ", DEC_28, DEC_28 + DAY))
    assert sorted(via_archive) == sorted(via_api) and len(via_api) == len(set(via_api))
    assert all(not isinstance(parse_line(doc), str) for doc in via_archive)
    listings = service.hits(f"/{BUCKET}/")
    assert len(listings) == 48
    assert parse_qs(listings[0].query)["prefix"] == ["raw/20211228/00/KZ/"]
    downloads = [r for r in service.requests if r.path.startswith(f"/{BUCKET}/raw/")]
    service.requests.clear()
    assert _docs(bulk.fetch_measurements(archive, "country:KZ", DEC_28, DEC_28 + DAY)) == via_archive
    assert downloads and not [r for r in service.requests if r.path.startswith(f"/{BUCKET}/raw/")]


def test_an_archive_download_dropped_mid_file_is_fetched_again(
    archive: SourceClient, service: ServiceHarness, tmp_path: Path, replay: Replay
) -> None:
    service.faults.add(f"/{BUCKET}/raw/*", Fault("drop"))
    bulk = OoniArchiveSource(late=3600, files=tmp_path / "files")
    docs = _docs(bulk.fetch_measurements(archive, "country:KZ", DEC_28, DEC_28 + 3600))
    assert sorted(docs) == sorted(m.body for m in _expected(replay, DEC_28, DEC_28 + 3600))
    downloads = [r.path for r in service.requests if r.path.startswith(f"/{BUCKET}/raw/")]
    assert len(downloads) == len(set(downloads)) + 1


def test_archive_listing_follows_continuation_tokens(archive: SourceClient, service: ServiceHarness) -> None:
    keys = archive_keys(archive, "raw/20211228/0", max_keys=7)
    assert keys == archive_keys(archive, "raw/20211228/0")
    assert len(service.hits(f"/{BUCKET}/")) == math.ceil(len(keys) / 7) + 1 >= 3


def test_a_bad_archive_line_is_counted_not_raised(
    archive: SourceClient, service: ServiceHarness, tmp_path: Path, replay: Replay
) -> None:
    bulk = OoniArchiveSource(late=3600, files=tmp_path / "files")
    key = next(k for k in replay.files if k.startswith("raw/20211228/00/KZ/telegram/"))
    local = tmp_path / "files" / key
    local.parent.mkdir(parents=True)
    local.write_bytes(gzip.compress(b'{"not": "a measurement"}\n' + replay.files[key][0].body + b"\n"))
    failures: list[str] = []
    docs = _docs(bulk.fetch_measurements(archive, "country:KZ", DEC_28, DEC_28 + 3600, failures=failures))
    assert replay.files[key][0].body in docs
    assert failures == [f"OONI archive {key}: line 1: report_id is missing or not a string"]


def test_a_garbage_archive_listing_is_malformed(
    archive: SourceClient, service: ServiceHarness, tmp_path: Path
) -> None:
    service.faults.add(f"/{BUCKET}/", Fault("truncate"))
    with pytest.raises(SourceError) as caught:
        bulk = OoniArchiveSource(files=tmp_path)
        _docs(bulk.fetch_measurements(archive, "country:KZ", DEC_28, DEC_28 + 3600))
    assert caught.value.kind == "malformed"


FIXTURES = Path(__file__).parent.parent / "fixtures" / "ooni-api"
FIRST_PAGE = "measurements__since-2026-06-11_until-2026-07-12_failure-false_limit-50_order-desc.json"
SECOND_PAGE = FIRST_PAGE.replace(".json", "_offset-50.json")
AGGREGATED = (
    "aggregation__test_name-web_connectivity_since-2022-03-01_until-2022-03-04"
    "_axis_x-measurement_start_day_time_grain-day.json"
)
LAST_PAGE = {
    "metadata": {"count": 100, "current_page": 3, "limit": 50, "next_url": None, "offset": 100},
    "results": [],
}
"""Made here: the end of the recorded list (OONI's next page was not recorded)."""


def _recorded(name: str) -> bytes:
    """The body of one of OONI Explorer's recorded API answers (``{"status", "contentType", "body"}``)."""
    body: str = orjson.loads((FIXTURES / name).read_bytes())["body"]
    return body.encode()


async def _recorded_list(request: Request) -> Response:
    offset = request.query_params.get("offset", "0")
    pages = {"0": _recorded(FIRST_PAGE), "50": _recorded(SECOND_PAGE)}
    return Response(pages.get(offset, orjson.dumps(LAST_PAGE)), media_type="application/json")


async def _recorded_aggregation(request: Request) -> Response:
    return Response(_recorded(AGGREGATED), media_type="application/json")


async def _not_found(request: Request) -> Response:
    return Response(b"{}", media_type="application/json")


@pytest.fixture(scope="module")
def recorded() -> Iterator[ServiceHarness]:
    routes = [Route(LIST, _recorded_list), Route(AGGREGATION, _recorded_aggregation), Route(RAW, _not_found)]
    with ServiceHarness(Starlette(routes=routes)).running() as running:
        yield running


def test_real_list_pages_are_read_and_followed_on_the_configured_server(
    recorded: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    since = kazakhstan.utc(11, 17, 43, month=7, year=2026)
    until = since + 60
    rows = [r for name in (FIRST_PAGE, SECOND_PAGE) for r in orjson.loads(_recorded(name))["results"]]
    wanted = [r for r in rows if r["measurement_start_time"].startswith("2026-07-11T17:43:")]
    failures: list[str] = []
    with _client(SETTINGS, {"NETVIGIL_OONI_URL": recorded.base_url}, tmp_path, clock) as made:
        docs = _docs(OoniSource().fetch_measurements(made, "country:ES", since, until, failures=failures))
    assert docs == [] and 0 < len(wanted) < len(rows)
    assert len(failures) == len(wanted) and all("has nothing at" in f for f in failures)
    uids = [parse_qs(r.query)["measurement_uid"][0] for r in recorded.hits(RAW)]
    assert uids == [r["measurement_uid"] for r in wanted]
    assert [parse_qs(r.query).get("offset") for r in recorded.hits(LIST)] == [None, ["50"], ["100"]]


def test_a_real_aggregation_answer_gives_daily_counts(
    recorded: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    since, until = kazakhstan.utc(1, 0, month=3), kazakhstan.utc(4, 0, month=3)
    with _client(SETTINGS, {"NETVIGIL_OONI_URL": recorded.base_url}, tmp_path, clock) as made:
        batches = OoniSource(grain="day").fetch_signals(made, "country:US", since, until)
        points = [p for batch in batches for p in batch]
    measured = _of(points, "ooni.measurements")
    assert [(p.time, p.value) for p in measured] == [
        (since, 1_113_357.0),
        (since + DAY, 1_212_215.0),
        (since + 2 * DAY, 1_161_898.0),
    ]
    assert [p.value for p in _of(points, "ooni.confirmed")] == [6739.0, 8782.0, 7051.0]
    assert len(points) == 12
