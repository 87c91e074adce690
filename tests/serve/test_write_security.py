"""Write endpoints: hashed scoped tokens, size limits, strict validation; nothing stored on refusal."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netvigil.pipeline.measurements import search_measurements, submit_measurements
from netvigil.serve.app import create_app
from netvigil.serve.settings import load_settings
from netvigil.store import Store, open_store
from netvigil.store.tokens import create_token

MEASUREMENT = {
    "report_id": "20220105T104000Z_webconnectivity_KZ_29355_n1_test",
    "test_name": "web_connectivity",
    "test_version": "0.4.1",
    "probe_cc": "KZ",
    "probe_asn": "AS29355",
    "measurement_start_time": "2022-01-05 10:40:00",
    "input": "https://www.facebook.com/",
    "test_keys": {"accessible": False, "blocking": "tcp_ip"},
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "w.duckdb") as opened:
        yield opened


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    settings = load_settings({"max_body_bytes": "2048", "rate_limit_per_minute": "0"}, env={})
    with TestClient(create_app(store, settings)) as test_client:
        yield test_client


def stored(store: Store) -> int:
    return len(search_measurements(store, limit=1000))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["status"] == status and body["error"]["message"]


def test_tokens_are_stored_hashed(store: Store) -> None:
    record, text = create_token(store.tokens, "probe", ["submit"])
    raw = store.cursor().execute("SELECT * FROM api_tokens")  # type: ignore[attr-defined]  # DuckDB's table as on disk
    dumped = json.dumps([list(map(str, r)) for r in raw.fetchall()])
    assert text.split("_", 2)[2] not in dumped and record.secret_sha256 in dumped
    assert [t.id for t in store.tokens.list_tokens()] == [record.id]


def test_missing_bad_and_revoked_tokens_get_401(client: TestClient, store: Store) -> None:
    assert_error(client.post("/api/v1/measurements", json=MEASUREMENT), 401)
    assert_error(client.post("/api/v1/measurements", json=MEASUREMENT, headers=bearer("nv_abc_def")), 401)
    record, text = create_token(store.tokens, "probe", ["submit"])
    forged = text[:-2] + ("AA" if not text.endswith("AA") else "BB")
    assert_error(client.post("/api/v1/measurements", json=MEASUREMENT, headers=bearer(forged)), 401)
    store.tokens.revoke(record.id)
    assert_error(client.post("/api/v1/measurements", json=MEASUREMENT, headers=bearer(text)), 401)
    assert stored(store) == 0


def test_wrong_scope_gets_403(client: TestClient, store: Store) -> None:
    _, submit = create_token(store.tokens, "probe", ["submit"])
    rule = {"name": "ops", "channel": "webhook", "target": "http://127.0.0.1:9/hook"}
    assert_error(client.post("/api/v1/alerts/rules", json=rule, headers=bearer(submit)), 403)
    assert_error(client.get("/api/v1/alerts", headers=bearer(submit)), 403)
    assert_error(client.get("/api/v1/alerts/status", headers=bearer(submit)), 403)
    assert store.alerts.list_rules() == []


def test_oversize_body_gets_413(client: TestClient, store: Store) -> None:
    _, token = create_token(store.tokens, "probe", ["submit"])
    big = dict(MEASUREMENT, test_keys={"padding": "x" * 4000})
    assert_error(client.post("/api/v1/measurements", json=big, headers=bearer(token)), 413)

    def chunks() -> Iterator[bytes]:
        yield json.dumps(big).encode()[:1500]
        yield json.dumps(big).encode()[1500:]

    streamed = client.post(
        "/api/v1/measurements",
        content=chunks(),
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert_error(streamed, 413)
    assert stored(store) == 0


def test_malformed_and_invalid_json_get_422(client: TestClient, store: Store) -> None:
    _, token = create_token(store.tokens, "probe", ["submit"])
    headers = {**bearer(token), "content-type": "application/json"}
    assert_error(client.post("/api/v1/measurements", content=b'{"report_id": ', headers=headers), 422)
    assert_error(client.post("/api/v1/measurements", content=b'"a string"', headers=headers), 422)
    no_cc = {k: v for k, v in MEASUREMENT.items() if k != "probe_cc"}
    response = client.post("/api/v1/measurements", json=no_cc, headers=bearer(token))
    assert_error(response, 422)
    assert "probe_cc" in response.json()["error"]["details"][0]["reason"]
    assert stored(store) == 0


def test_submit_then_search(client: TestClient, store: Store) -> None:
    _, token = create_token(store.tokens, "probe", ["submit"])
    first = client.post("/api/v1/measurements", json=[MEASUREMENT], headers=bearer(token))
    assert first.status_code == 200 and first.json()["accepted"] == 1
    again = client.post("/api/v1/measurements", json={"measurements": [MEASUREMENT]}, headers=bearer(token))
    assert again.json()["duplicates"] == 1 and stored(store) == 1
    found = client.get("/api/v1/measurements", params={"probe_cc": "KZ", "probe_asn": "29355"}).json()
    assert [m["input"] for m in found["results"]] == ["https://www.facebook.com/"]


def test_admin_manages_alert_rules(client: TestClient, store: Store) -> None:
    _, admin = create_token(store.tokens, "ops", ["admin"])
    rule = {
        "name": "kz",
        "channel": "webhook",
        "target": "http://127.0.0.1:9/hook",
        "entity": "country:KZ",
        "max_level": 50,
    }
    made = client.post("/api/v1/alerts/rules", json=rule, headers=bearer(admin))
    assert made.status_code == 201 and len(made.json()["secret"]) >= 16
    assert_error(
        client.post("/api/v1/alerts/rules", json={**rule, "colour": "red"}, headers=bearer(admin)), 422
    )
    assert_error(
        client.post("/api/v1/alerts/rules", json={**rule, "target": "ftp://x"}, headers=bearer(admin)), 422
    )
    assert_error(
        client.post("/api/v1/alerts/rules", json={**rule, "entity": "kz"}, headers=bearer(admin)), 422
    )
    listed = client.get("/api/v1/alerts", headers=bearer(admin)).json()
    assert [r["name"] for r in listed["rules"]] == ["kz"] and "secret" not in listed["rules"][0]
    rule_id = listed["rules"][0]["id"]
    status = client.get("/api/v1/alerts/status", headers=bearer(admin)).json()["rules"]
    assert [(r["rule_id"], r["sent"], r["failing"], r["last_error"]) for r in status] == [
        (rule_id, 0, False, None)
    ]
    assert client.delete(f"/api/v1/alerts/rules/{rule_id}", headers=bearer(admin)).status_code == 200
    assert store.alerts.list_rules() == []


def test_a_webhook_target_that_is_not_a_url_gets_422(client: TestClient, store: Store) -> None:
    _, admin = create_token(store.tokens, "ops", ["admin"])
    rule = {"name": "x", "channel": "webhook", "target": "notaurl"}
    response = client.post("/api/v1/alerts/rules", json=rule, headers=bearer(admin))
    assert_error(response, 422)
    assert response.json()["error"]["message"] == "a webhook target must be an http:// or https:// URL"
    assert store.alerts.list_rules() == []


def test_rate_limit_answers_429(store: Store) -> None:
    settings = load_settings({"rate_limit_per_minute": "3"}, env={})
    with TestClient(create_app(store, settings)) as limited:
        codes = [limited.get("/api/v1/health").status_code for _ in range(5)]
        last = limited.get("/api/v1/health")
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert_error(last, 429)
    assert int(last.headers["retry-after"]) >= 1


def test_read_cache_serves_repeats_and_writes_clear_it(store: Store) -> None:
    settings = load_settings({"cache_seconds": "60", "rate_limit_per_minute": "0"}, env={})
    app = create_app(store, settings)
    _, token = create_token(store.tokens, "probe", ["submit"])
    with TestClient(app) as cached:
        assert cached.get("/api/v1/measurements").json()["results"] == []
        assert len(app.state.cache.items) == 1
        expected = "public, max-age=60, stale-while-revalidate=60"
        assert cached.get("/api/v1/measurements").headers["cache-control"] == expected
        cached.post("/api/v1/measurements", json=MEASUREMENT, headers=bearer(token))
        assert len(cached.get("/api/v1/measurements").json()["results"]) == 1


def test_stale_answers_are_served_while_one_refresh_runs(store: Store) -> None:
    settings = load_settings({"cache_seconds": "1", "rate_limit_per_minute": "0"}, env={})
    app = create_app(store, settings)
    url = "/api/v1/measurements"
    with TestClient(app) as cached:
        assert cached.get(url).json()["results"] == []
        submit_measurements(store, [MEASUREMENT], 0)
        time.sleep(1.1)
        assert cached.get(url).json()["results"] == []
        deadline = time.monotonic() + 5
        while not cached.get(url).json()["results"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(cached.get(url).json()["results"]) == 1
        time.sleep(2.1)
        assert len(cached.get(url).json()["results"]) == 1
