"""Property-based fuzzing of the API: no submitted body and no query parameter value gets a 500.

Seeded and bounded (benchmarks/fuzz_api.py runs the same idea over 10,000 cases on a loopback
server). Bodies are real OONI measurements with one field made hostile; query values go to every
parameter of every GET operation the OpenAPI publishes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netvigil.store import Store
from netvigil.store.tokens import create_token

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ooni" / "ooni_backend_fastpath_fixtures.jsonl"
SEEDS = [json.loads(line) for line in FIXTURE.read_text("utf-8").splitlines() if len(line) < 20_000]
HOSTILE_JSON = [
    "9" * 400,
    "1" * 5000,
    "1e400",
    "-1",
    "NaN",
    "true",
    "null",
    "[]",
    "{}",
    "[" * 1000 + "]" * 1000,
    '{"a":' * 70 + "1" + "}" * 70,
    '"\\ud800"',
    '"0000-00-00 00:00:00"',
    '"9999-12-31 23:59:59"',
    '"0001-01-01 00:00:00"',
    '"ZZ"',
    '{"requests": "x", "queries": 5, "tcp_connect": [1]}',
]
HOSTILE_QUERY = st.sampled_from(
    [
        *("99999999999999999999", "-99999999999999", "9" * 5000, "-1", "0", "NaN", "1e400", "", "x" * 5000),
        *("\x00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "country:ZZ", "true", "csv"),
    ]
) | st.text(max_size=30)
FUZZ = settings(
    max_examples=50, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def tokens(kz_store: Store) -> dict[str, str]:
    return {scope: create_token(kz_store.tokens, f"fz-{scope}", [scope])[1] for scope in ("submit", "admin")}


@st.composite
def hostile_bodies(draw: st.DrawFn) -> bytes:
    """A real measurement with one envelope or test_keys field replaced by a hostile JSON value."""
    measurement: dict[str, Any] = json.loads(json.dumps(draw(st.sampled_from(SEEDS))))
    keys = measurement.get("test_keys") or {}
    path = draw(st.sampled_from([(k,) for k in measurement] + [("test_keys", k) for k in keys]))
    target = measurement if len(path) == 1 else measurement["test_keys"]
    target[path[-1]] = "\x00HOSTILE"
    shape = draw(st.sampled_from(["one", "list", "wrapped"]))
    document = {"one": measurement, "list": [measurement], "wrapped": {"measurements": [measurement]}}[shape]
    text = json.dumps(document).replace('"\\u0000HOSTILE"', draw(st.sampled_from(HOSTILE_JSON)))
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(body=hostile_bodies())
def test_no_submission_gets_a_server_error(
    unthrottled_client: TestClient, tokens: dict[str, str], body: bytes
) -> None:
    headers = {"Authorization": f"Bearer {tokens['submit']}", "content-type": "application/json"}
    response = unthrottled_client.post("/api/v1/measurements", content=body, headers=headers)
    assert response.status_code < 500, response.text
    if response.status_code == 422:
        error = response.json()["error"]
        assert error["message"].startswith("body") or error["details"][0]["reason"]


def get_operations(client: TestClient) -> list[tuple[str, list[dict[str, Any]]]]:
    spec = client.get("/api/v1/openapi.json").json()
    return [
        (path, op.get("parameters", []))
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method == "get"
    ]


@FUZZ
@given(data=st.data())
def test_no_query_parameter_gets_a_server_error(
    unthrottled_client: TestClient, tokens: dict[str, str], data: st.DataObject
) -> None:
    path, parameters = data.draw(st.sampled_from(get_operations(unthrottled_client)))
    query: dict[str, str] = {"entity": "country:KZ"} if path.endswith("/signals") else {}
    for parameter in parameters:
        value = data.draw(HOSTILE_QUERY)
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", quote(value, safe="") or "x")
        elif data.draw(st.booleans()):
            query[parameter["name"]] = value
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    response = unthrottled_client.get(path, params=query, headers=headers)
    assert response.status_code < 500, (path, query, response.text)
