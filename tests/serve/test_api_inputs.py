"""Out-of-range query parameters get 422 naming the parameter; any submitted body a 4xx naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netvigil.store import Store
from netvigil.store.tokens import create_token

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ooni" / "ooni_backend_fastpath_fixtures.jsonl"
HUGE = "99999999999999999999"


@pytest.fixture(scope="module")
def submit_headers(kz_store: Store) -> dict[str, str]:
    _, token = create_token(kz_store.tokens, "inputs", ["submit"])
    return {"Authorization": f"Bearer {token}", "content-type": "application/json"}


def real_measurement() -> dict[str, object]:
    first: dict[str, object] = json.loads(FIXTURE.read_text("utf-8").splitlines()[0])
    return first


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (f"/api/v1/summary?at={HUGE}", "at"),
        ("/api/v1/summary?at=-99999999999999", "at"),
        ("/api/v1/summary?at=9999-12-31T23:59:59-23:59", "at"),
        (f"/api/v1/events?from={HUGE}", "from"),
        (f"/api/v1/events?until={'9' * 5000}", "until"),
        (f"/api/v1/signals?entity=country:KZ&until={HUGE}", "until"),
        ("/api/v1/signals?entity=country:KZ&until=0001-01-01T00:00:00Z", "until"),
        (f"/api/v1/measurements?from={HUGE}", "from"),
        (f"/api/v1/countries/KZ/overview?from={HUGE}", "from"),
        ("/api/v1/events?limit=99999999999999999999999", "limit"),
        ("/api/v1/events?limit=-1", "limit"),
        ("/api/v1/signals?entity=country:KZ&max_points=NaN", "max_points"),
        ("/api/v1/signals?entity=country:KZ&step=1e400", "step"),
        ("/api/v1/entities?q=kz&limit=" + "9" * 5000, "limit"),
        ("/feeds/events.atom?limit=0", "limit"),
    ],
)
def test_out_of_range_parameters_get_422_naming_them(
    unthrottled_client: TestClient, url: str, parameter: str
) -> None:
    response = unthrottled_client.get(url)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    named = error["message"].startswith(f"{parameter}:") or any(
        d.get("loc", [])[-1:] == [parameter] for d in error["details"]
    )
    assert named, error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body: not JSON"),
        (b"5", "body: expected a measurement object"),
        (b"[" * 5000 + b"]" * 5000, "body: nested deeper"),
        (b'{"a": [' + b"[" * 80 + b"]" * 80 + b"]}", "body.a[0]"),
        (b'{"a": ' + b"1" * 5000 + b"}", "more than 4300 digits"),
        (b'{"a": NaN}', "NaN is not a JSON number"),
        (b'{"measurements": 5}', "body.measurements: expected a list"),
        (b'{"a": "\\ud800"}', "body.a: text with a lone UTF-16 surrogate"),
        (b"\xff\xfe\x00", "body: not"),
    ],
)
def test_unreadable_bodies_get_422_naming_the_part(
    unthrottled_client: TestClient, submit_headers: dict[str, str], body: bytes, field: str
) -> None:
    response = unthrottled_client.post("/api/v1/measurements", content=body, headers=submit_headers)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("measurement_start_time", "0000-00-00 00:00:00", "measurement_start_time"),
        ("measurement_start_time", "2022-13-45 99:99:99", "measurement_start_time"),
        ("probe_cc", 5, "probe_cc"),
        ("test_keys", [1], "test_keys"),
        ("input", {"a": 1}, "input"),
        ("measurement_start_time", "0001-01-01 00:00:00", "measurement_start_time"),
    ],
)
def test_a_bad_measurement_is_refused_alone_naming_its_field(
    unthrottled_client: TestClient, submit_headers: dict[str, str], key: str, value: object, field: str
) -> None:
    good = real_measurement()
    bad = {**good, key: value}
    alone = unthrottled_client.post("/api/v1/measurements", json=bad, headers=submit_headers)
    assert alone.status_code == 422, alone.text
    detail = alone.json()["error"]["details"][0]
    assert detail["reason"].startswith(field) and detail["field"] == field
    mixed = unthrottled_client.post("/api/v1/measurements", json=[bad, good], headers=submit_headers)
    assert mixed.status_code == 200, mixed.text
    answer = mixed.json()
    assert answer["rejected"] == 1 and answer["accepted"] + answer["duplicates"] == 1
    assert answer["errors"][0]["index"] == 0 and answer["errors"][0]["field"] == field
