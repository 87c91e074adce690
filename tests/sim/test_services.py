"""The loopback service harness: a real server, its request log, its faults, and the answer helpers."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from netvigil.sim.services import MALFORMED_BODY, Fault, ServiceHarness, json_answer, ranged_answer

DATA = bytes(range(256)) * 40


def _json(request: Request) -> Response:
    return json_answer(
        request,
        {"ok": True, "items": list(range(100))},
        etag='"v1"',
        last_modified="Wed, 05 Jan 2022 10:00:00 GMT",
    )


def _file(request: Request) -> Response:
    return ranged_answer(request, DATA)


@pytest.fixture
def service() -> Iterator[ServiceHarness]:
    app = Starlette(routes=[Route("/json", _json), Route("/file", _file)])
    with ServiceHarness(app).running() as running:
        yield running


def test_serves_on_loopback_and_logs_each_request(service: ServiceHarness) -> None:
    assert service.base_url.startswith("http://127.0.0.1:")
    answer = httpx.get(f"{service.base_url}/json?x=1", headers={"X-Test": "yes"})
    assert answer.status_code == 200 and answer.json()["ok"] is True
    [logged] = service.hits("/json")
    assert (logged.method, logged.query, logged.headers["x-test"]) == ("GET", "x=1", "yes")


def test_stop_frees_the_port() -> None:
    harness = ServiceHarness(Starlette()).start()
    port = int(harness.base_url.rsplit(":", 1)[1])
    harness.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_json_answer_is_304_when_a_validator_matches(service: ServiceHarness) -> None:
    url = f"{service.base_url}/json"
    assert httpx.get(url, headers={"If-None-Match": '"v1"'}).status_code == 304
    assert httpx.get(url, headers={"If-Modified-Since": "Wed, 05 Jan 2022 10:00:00 GMT"}).status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"v0"'}).status_code == 200


def test_ranged_answer_serves_ranges_and_416_past_the_end(service: ServiceHarness) -> None:
    url = f"{service.base_url}/file"
    part = httpx.get(url, headers={"Range": "bytes=100-"})
    assert part.status_code == 206 and part.content == DATA[100:]
    assert part.headers["content-range"] == f"bytes 100-{len(DATA) - 1}/{len(DATA)}"
    assert httpx.get(url, headers={"Range": "bytes=10-19"}).content == DATA[10:20]
    beyond = httpx.get(url, headers={"Range": f"bytes={len(DATA)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(DATA)}"


def test_status_fault_applies_n_times_then_the_app_answers(service: ServiceHarness) -> None:
    service.faults.add("/json", Fault("status", status=429, retry_after="3", times=2))
    url = f"{service.base_url}/json"
    first, second, third = (httpx.get(url) for _ in range(3))
    assert (first.status_code, first.headers["retry-after"]) == (429, "3")
    assert second.status_code == 429 and third.status_code == 200


def test_wildcard_fault_matches_every_path_under_it(service: ServiceHarness) -> None:
    service.faults.add("/*", Fault("status", status=500, times=2))
    assert httpx.get(f"{service.base_url}/json").status_code == 500
    assert httpx.get(f"{service.base_url}/file").status_code == 500
    assert httpx.get(f"{service.base_url}/json").status_code == 200


def test_drop_closes_the_connection_mid_body(service: ServiceHarness) -> None:
    service.faults.add("/file", Fault("drop", after_bytes=1000))
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{service.base_url}/file")
    assert httpx.get(f"{service.base_url}/file").content == DATA


def test_truncate_and_malformed_give_complete_answers_with_a_wrong_body(service: ServiceHarness) -> None:
    whole = httpx.get(f"{service.base_url}/json").content
    service.faults.add("/json", Fault("truncate"))
    service.faults.add("/json", Fault("malformed"))
    assert httpx.get(f"{service.base_url}/json").content == whole[: len(whole) // 2]
    assert httpx.get(f"{service.base_url}/json").content == MALFORMED_BODY


def test_slow_fault_delays_the_answer(service: ServiceHarness) -> None:
    service.faults.add("/json", Fault("slow", seconds=1.0))
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{service.base_url}/json", timeout=0.2)
