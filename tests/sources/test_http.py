"""The public-source HTTP client on a real loopback server: retries, Retry-After, cache, paging, downloads."""

from __future__ import annotations

import email.utils
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from netvigil.model.errors import SOURCE_ERROR_KINDS, SourceError
from netvigil.sim.services import Fault, ServiceHarness, json_answer, ranged_answer
from netvigil.sources.http import SourceClient, SourceSettings, by_offset, by_page, next_url, retry_after
from tests.sources.clock import Clock, clocked_client

ITEMS = list(range(25))
FILE = bytes((i * 7919) % 251 for i in range(200_000))
ETAG = '"kz-2022-01"'
MODIFIED = "Wed, 05 Jan 2022 10:00:00 GMT"
SETTINGS = SourceSettings(
    name="demo",
    label="Demo",
    default_url="http://default.invalid/v2",
    url_env="NETVIGIL_DEMO_URL",
    token_env="NETVIGIL_DEMO_TOKEN",
    retries=3,
    backoff_base=1.0,
    backoff_cap=3.0,
    max_retry_after=60.0,
    min_interval=0.0,
    read_timeout=2.0,
)



def _validated(request: Request) -> Response:
    return json_answer(request, {"data": ITEMS}, etag=ETAG, last_modified=MODIFIED)


def _unvalidated(request: Request) -> Response:
    return JSONResponse({"data": ITEMS})


def _offset_page(request: Request) -> Response:
    offset, limit = int(request.query_params.get("offset", 0)), int(request.query_params["limit"])
    return JSONResponse({"results": ITEMS[offset : offset + limit]})


def _numbered_page(request: Request) -> Response:
    page, limit = int(request.query_params.get("page", 0)), int(request.query_params["limit"])
    return JSONResponse({"data": ITEMS[page * limit : (page + 1) * limit]})


def _linked_page(request: Request) -> Response:
    """Pages whose next link names the real service's host, as OONI's ``next_url`` does."""
    page = int(request.query_params.get("page", 1))
    link = f"https://api.example.org/linked?page={page + 1}" if page < 3 else None
    return JSONResponse({"metadata": {"next_url": link}, "results": [page]})


def _looping_page(request: Request) -> Response:
    return JSONResponse({"next": "/looping?page=1", "results": []})


def _rejected(request: Request) -> Response:
    return JSONResponse({"detail": "Time range must not exceed 6 months"}, status_code=400)


def _file(request: Request) -> Response:
    return ranged_answer(request, FILE)


@pytest.fixture(scope="module")
def server() -> Iterator[ServiceHarness]:
    routes = [
        Route("/v2/validated", _validated),
        Route("/v2/unvalidated", _unvalidated),
        Route("/v2/offset", _offset_page),
        Route("/v2/numbered", _numbered_page),
        Route("/linked", _linked_page),
        Route("/looping", _looping_page),
        Route("/v2/rejected", _rejected),
        Route("/archive/updates.20220105.1000.bz2", _file),
    ]
    with ServiceHarness(Starlette(routes=routes)).running() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock(1_641_376_800.0)


def make_client(
    base: str, tmp_path: Path, clock: Clock, env: dict[str, str] | None = None, **settings: Any
) -> SourceClient:
    env = {"NETVIGIL_DEMO_URL": base, **(env or {})}
    return clocked_client(replace(SETTINGS, **settings), env, tmp_path / "http", clock, rand=0.5)


@pytest.fixture
def client(service: ServiceHarness, tmp_path: Path, clock: Clock) -> Iterator[SourceClient]:
    with make_client(f"{service.base_url}/v2", tmp_path, clock) as made:
        yield made


def failure(call: Any, *args: Any) -> SourceError:
    with pytest.raises(SourceError) as caught:
        call(*args)
    assert "\n" not in str(caught.value)
    assert caught.value.kind in SOURCE_ERROR_KINDS and caught.value.source == "demo"
    return caught.value


# --- settings -----------------------------------------------------------------------------------


def test_base_url_comes_from_the_environment_else_the_default() -> None:
    assert SETTINGS.base_url({"NETVIGIL_DEMO_URL": "http://mirror.example/v2/"}) == "http://mirror.example/v2"
    assert SETTINGS.base_url({}) == "http://default.invalid/v2"
    assert SETTINGS.token({"NETVIGIL_DEMO_TOKEN": "abc"}) == "abc" and SETTINGS.token({}) is None


def test_repeated_parameters_are_sent_once_per_value(client: SourceClient) -> None:
    url = client.url("radar/netflows/timeseries", {"name": ["kz", "uz"], "location": ["KZ", "UZ"]})
    assert url.endswith("/v2/radar/netflows/timeseries?name=kz&name=uz&location=KZ&location=UZ")
    assert client.url("x", [("a", 1), ("a", 2)]).endswith("/x?a=1&a=2")


# --- retries, backoff, Retry-After ----------------------------------------------------------------


def test_server_errors_are_retried_with_exponential_backoff_and_full_jitter(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add("/v2/unvalidated", Fault("status", status=500, times=3))
    assert client.get_json("unvalidated") == {"data": ITEMS}
    assert clock.slept == [0.5, 1.0, 1.5]  # 0.5 × min(cap 3, 1 × 2^n)
    assert len(service.hits("/v2/unvalidated")) == 4
    report = client.report()
    assert (report.requests, report.retries, report.source) == (4, 3, "demo")


def test_retries_run_out_with_a_server_error(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add("/v2/unvalidated", Fault("status", status=502, times=10))
    error = failure(client.get_json, "unvalidated")
    assert error.kind == "server_error" and error.url.endswith("/v2/unvalidated")
    assert str(error) == (
        f"Demo failed (HTTP 502: injected 502): {service.base_url}/v2/unvalidated"
        " — the service is in trouble; try again later"
    )
    assert len(clock.slept) == 3 and len(service.hits("/v2/unvalidated")) == 4


def test_429_waits_the_seconds_retry_after_gives(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add("/v2/unvalidated", Fault("status", status=429, retry_after="7", times=2))
    assert client.get_json("unvalidated") == {"data": ITEMS}
    assert clock.slept == [7.0, 7.0]


def test_429_waits_until_the_http_date_retry_after_gives(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add(
        "/v2/unvalidated",
        Fault("status", status=429, retry_after=email.utils.formatdate(clock.now + 12, usegmt=True)),
    )
    assert client.get_json("unvalidated") == {"data": ITEMS}
    assert clock.slept == [12.0]


def test_503_retry_after_is_honoured_too(client: SourceClient, service: ServiceHarness, clock: Clock) -> None:
    service.faults.add("/v2/unvalidated", Fault("status", status=503, retry_after="4"))
    assert client.get_json("unvalidated") == {"data": ITEMS}
    assert clock.slept == [4.0]


def test_retry_after_beyond_the_maximum_wait_gives_up_at_once(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add("/v2/unvalidated", Fault("status", status=429, retry_after="600"))
    error = failure(client.get_json, "unvalidated")
    assert error.kind == "rate_limited" and "asks us to wait 600 s" in str(error)
    assert "wait, then run again" in str(error)
    assert clock.slept == [] and len(service.hits("/v2/unvalidated")) == 1


def test_a_429_without_retry_after_backs_off(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add("/v2/unvalidated", Fault("status", status=429))
    assert client.get_json("unvalidated") == {"data": ITEMS}
    assert clock.slept == [0.5]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("Wed, 05 Jan 2022 10:00:30 GMT", 30.0),
        ("Wed, 05 Jan 2022 09:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, seconds: float | None) -> None:
    assert retry_after(value, 1_641_376_800.0) == seconds


def test_politeness_keeps_a_minimum_interval_per_host(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    with make_client(f"{service.base_url}/v2", tmp_path, clock, min_interval=2.5) as polite:
        polite.get_json("unvalidated")
        polite.get_json("unvalidated")
        clock.now += 10
        polite.get_json("unvalidated")
    assert clock.slept == [2.5]


# --- conditional requests and the cache -----------------------------------------------------------


def test_a_304_is_served_from_the_cache_after_sending_both_validators(
    client: SourceClient, service: ServiceHarness
) -> None:
    assert client.get_json("validated") == {"data": ITEMS}
    assert client.get_json("validated") == {"data": ITEMS}
    first, second = service.hits("/v2/validated")
    assert "if-none-match" not in first.headers
    assert (second.headers["if-none-match"], second.headers["if-modified-since"]) == (ETAG, MODIFIED)
    assert client.report().cache_hits == 1


def test_the_cache_survives_a_new_client(service: ServiceHarness, tmp_path: Path, clock: Clock) -> None:
    for _ in range(2):
        with make_client(f"{service.base_url}/v2", tmp_path, clock) as fresh:
            assert fresh.get_json("validated") == {"data": ITEMS}
    assert service.hits("/v2/validated")[1].headers["if-none-match"] == ETAG


def test_answers_without_validators_are_not_cached(client: SourceClient, service: ServiceHarness) -> None:
    client.get_json("unvalidated")
    client.get_json("unvalidated")
    assert not client.cache.path(client.url("unvalidated")).exists()
    assert client.report().cache_hits == 0 and len(service.hits("/v2/unvalidated")) == 2


@pytest.mark.parametrize(
    "damage",
    [lambda raw: raw[:-5], lambda raw: b"garbage", lambda raw: raw.replace(b"24", b"42"), lambda raw: b""],
    ids=["truncated", "garbage", "flipped", "empty"],
)
def test_a_damaged_cache_entry_is_fetched_again(
    client: SourceClient, service: ServiceHarness, damage: Any
) -> None:
    client.get_json("validated")
    entry = client.cache.path(client.url("validated"))
    entry.write_bytes(damage(entry.read_bytes()))
    assert client.get_json("validated") == {"data": ITEMS}
    assert "if-none-match" not in service.hits("/v2/validated")[1].headers
    assert client.cache.load(client.url("validated")) is not None  # written whole again


# --- pagination -----------------------------------------------------------------------------------


def test_offset_paging_stops_at_a_short_page(client: SourceClient, service: ServiceHarness) -> None:
    pages = list(client.pages("offset", {"limit": 10}, by_offset(["results"], 10)))
    assert [item for page in pages for item in page["results"]] == ITEMS
    assert [r.query for r in service.hits("/v2/offset")] == [
        "limit=10",
        "limit=10&offset=10",
        "limit=10&offset=20",
    ]


def test_page_number_paging(client: SourceClient, service: ServiceHarness) -> None:
    pages = list(client.pages("numbered", {"limit": 5, "page": 0}, by_page(["data"], 5)))
    assert [item for page in pages for item in page["data"]] == ITEMS
    assert len(pages) == 6  # five full pages, then an empty one


def test_next_url_paging_stays_on_the_configured_server(
    client: SourceClient, service: ServiceHarness
) -> None:
    pages = list(client.pages(f"{service.base_url}/linked", None, next_url("metadata", "next_url")))
    assert [page["results"] for page in pages] == [[1], [2], [3]]
    assert [r.query for r in service.hits("/linked")] == ["", "page=2", "page=3"]


def test_pages_that_never_end_are_malformed(client: SourceClient, service: ServiceHarness) -> None:
    error = failure(lambda: list(client.pages(f"{service.base_url}/looping", None, next_url("next"))))
    assert error.kind == "malformed" and "the pages never end" in str(error)


# --- error kinds and their messages ---------------------------------------------------------------


def test_offline_when_nothing_listens(tmp_path: Path, clock: Clock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with make_client(f"http://127.0.0.1:{port}", tmp_path, clock) as offline:
        error = failure(offline.get_json, "signals")
    assert error.kind == "offline"
    assert str(error) == (
        f"Demo is unreachable (offline?): http://127.0.0.1:{port}/signals"
        " — check the network or set NETVIGIL_DEMO_URL"
    )
    assert len(clock.slept) == SETTINGS.retries


def test_timeout_when_the_answer_is_too_slow(service: ServiceHarness, tmp_path: Path, clock: Clock) -> None:
    service.faults.add("/v2/unvalidated", Fault("slow", seconds=1.0))
    with make_client(f"{service.base_url}/v2", tmp_path, clock, read_timeout=0.2, retries=0) as hasty:
        error = failure(hasty.get_json, "unvalidated")
    assert error.kind == "timeout" and str(error).startswith("Demo did not answer in time: ")


def test_a_missing_required_token_is_said_before_any_request(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    with make_client(f"{service.base_url}/v2", tmp_path, clock, token_required=True) as needy:
        error = failure(needy.get_json, "unvalidated")
    assert (error.kind, str(error)) == ("unauthorised", "Demo needs a token: set NETVIGIL_DEMO_TOKEN")
    assert service.requests == []


def test_the_token_is_sent_and_a_refusal_is_unauthorised(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    service.faults.add("/v2/unvalidated", Fault("status", status=403))
    env = {"NETVIGIL_DEMO_TOKEN": "s3cret"}
    with make_client(f"{service.base_url}/v2", tmp_path, clock, env, token_required=True) as token:
        error = failure(token.get_json, "unvalidated")
    assert service.hits("/v2/unvalidated")[0].headers["authorization"] == "Bearer s3cret"
    assert error.kind == "unauthorised" and "check NETVIGIL_DEMO_TOKEN" in str(error)
    assert "s3cret" not in str(error)


def test_not_found(client: SourceClient, service: ServiceHarness) -> None:
    error = failure(client.get_json, "nosuch")
    assert error.kind == "not_found"
    assert str(error) == (
        f"Demo has nothing at {service.base_url}/v2/nosuch (HTTP 404: Not Found)"
        " — check NETVIGIL_DEMO_URL and the entity asked for"
    )


def test_a_rejected_request_says_what_the_service_said(client: SourceClient) -> None:
    error = failure(client.get_json, "rejected")
    assert error.kind == "rejected" and "(HTTP 400: Time range must not exceed 6 months)" in str(error)


@pytest.mark.parametrize("kind", ["malformed", "truncate"])
def test_a_body_that_is_not_json_is_malformed_and_not_cached(
    client: SourceClient, service: ServiceHarness, kind: Any
) -> None:
    service.faults.add("/v2/validated", Fault(kind))
    error = failure(client.get_json, "validated")
    assert error.kind == "malformed" and str(error).startswith(
        "Demo sent an answer netvigil cannot read (not JSON: "
    )
    assert client.get_json("validated") == {"data": ITEMS}
    assert "if-none-match" not in service.hits("/v2/validated")[1].headers


def test_a_connection_dropped_mid_body_is_retried(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add("/v2/unvalidated", Fault("drop", after_bytes=10))
    assert client.get_json("unvalidated") == {"data": ITEMS}
    assert clock.slept == [0.5]


def test_empty_is_raised_by_sources_through_the_client(client: SourceClient) -> None:
    error = client.fail("empty", "http://x/v2/signals", "no data for country:ZZ")
    assert str(error) == (
        "Demo has no data (no data for country:ZZ): http://x/v2/signals"
        " — it may not cover this entity or time span"
    )


# --- downloads ------------------------------------------------------------------------------------

ARCHIVE = "/archive/updates.20220105.1000.bz2"


def test_download_streams_to_part_then_renames(
    client: SourceClient, service: ServiceHarness, tmp_path: Path
) -> None:
    seen: list[tuple[int, int | None]] = []
    dest = client.download(
        f"{service.base_url}{ARCHIVE}", tmp_path / "rrc00" / "updates.bz2", lambda d, t: seen.append((d, t))
    )
    assert dest.read_bytes() == FILE and not dest.with_name("updates.bz2.part").exists()
    assert seen[-1] == (len(FILE), len(FILE)) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_download_resumes_after_a_dropped_connection_with_the_exact_bytes(
    client: SourceClient, service: ServiceHarness, tmp_path: Path
) -> None:
    service.faults.add(ARCHIVE, Fault("drop", after_bytes=70_000))
    seen: list[tuple[int, int | None]] = []
    dest = client.download(
        f"{service.base_url}{ARCHIVE}", tmp_path / "updates.bz2", lambda d, t: seen.append((d, t))
    )
    assert dest.read_bytes() == FILE
    first, second = service.hits(ARCHIVE)
    assert "range" not in first.headers
    resumed_from = int(second.headers["range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_from <= 70_000
    assert seen[-1] == (len(FILE), len(FILE))


def test_download_of_a_whole_part_file_only_renames_it(
    client: SourceClient, service: ServiceHarness, tmp_path: Path
) -> None:
    dest = tmp_path / "updates.bz2"
    dest.with_name("updates.bz2.part").write_bytes(FILE)
    assert client.download(f"{service.base_url}{ARCHIVE}", dest).read_bytes() == FILE
    assert service.hits(ARCHIVE)[0].headers["range"] == f"bytes={len(FILE)}-"


def test_a_downloaded_file_is_never_fetched_again(
    client: SourceClient, service: ServiceHarness, tmp_path: Path
) -> None:
    dest = tmp_path / "updates.bz2"
    client.download(f"{service.base_url}{ARCHIVE}", dest)
    client.download(f"{service.base_url}{ARCHIVE}", dest)
    assert len(service.hits(ARCHIVE)) == 1 and client.report().cache_hits == 1


def test_download_of_a_missing_file_is_not_found(
    client: SourceClient, service: ServiceHarness, tmp_path: Path
) -> None:
    error = failure(client.download, f"{service.base_url}/archive/nosuch.bz2", tmp_path / "x.bz2")
    assert error.kind == "not_found" and not (tmp_path / "x.bz2").exists()


def test_download_to_an_unwritable_place_is_a_disk_error(
    client: SourceClient, service: ServiceHarness, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    error = failure(client.download, f"{service.base_url}{ARCHIVE}", blocker / "updates.bz2")
    assert error.kind == "disk" and "check free space and NETVIGIL_CACHE_DIR" in str(error)
