"""The API in process: entities, signals, events, summary, overview, CSV, errors, headers."""

from __future__ import annotations

import csv
import io
import math

from fastapi.testclient import TestClient

from tests.serve import kzdata


def error_of(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "details"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


def test_health_reports_newest_data(client: TestClient) -> None:
    body = client.get("/api/v1/health").json()
    assert body == {"status": "ok", "latest_data": "2022-01-11T23:55:00Z"}


def test_entity_search_parents_and_children(client: TestClient) -> None:
    found = client.get("/api/v1/entities", params={"q": "kcell"}).json()["entities"]
    assert found[0]["entity"] == "asn:29355" and found[0]["kind"] == "mobile"
    assert found[0]["parent"] == "country:KZ"
    kz = client.get("/api/v1/entities/country:KZ").json()
    kids = {c["entity"]: c for c in kz["children"]}
    assert kids["asn:9198"]["kind"] == "fixed"
    assert "region:KZ-75" in kids
    assert client.get("/api/v1/entities/asn:29355").json()["parent"] == "country:KZ"


def test_unknown_and_malformed_entities(client: TestClient) -> None:
    missing = client.get("/api/v1/entities/country:QQ")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    bad = client.get("/api/v1/signals", params={"entity": "kazakhstan"})
    assert bad.status_code == 422 and "country:CC" in error_of(bad)["message"]


def test_raw_series_keeps_values_and_bounds_points(client: TestClient) -> None:
    params = {
        "entity": "country:KZ",
        "signal": "probe",
        "from": "2022-01-04T00:00:00Z",
        "until": "2022-01-05T00:00:00Z",
        "max_points": 1000,
    }
    series = client.get("/api/v1/signals", params=params).json()["series"]
    assert len(series) == 1 and series[0]["step"] == 300 and len(series[0]["times"]) == 288
    assert max(series[0]["values"]) > 14_000
    params["max_points"] = 50
    coarse = client.get("/api/v1/signals", params=params).json()["series"][0]
    assert len(coarse["times"]) <= 50 and coarse["step"] >= 1800


def test_percent_of_ordinary_shows_the_blackout(client: TestClient) -> None:
    params = {
        "entity": "country:KZ",
        "mode": "percent",
        "from": "2022-01-03T00:00:00Z",
        "until": "2022-01-08T00:00:00Z",
        "max_points": 500,
    }
    series = client.get("/api/v1/signals", params=params).json()["series"]
    assert {s["signal"] for s in series} == {"probe", "bgp", "traffic"}
    for s in series:
        before = [v for t, v in zip(s["times"], s["values"], strict=True) if t < kzdata.BLACKOUT_START and v]
        during = [
            v
            for t, v in zip(s["times"], s["values"], strict=True)
            if kzdata.BLACKOUT_START + 3600 <= t < kzdata.PARTIAL_START and v is not None
        ]
        assert 80 < sum(before) / len(before) < 120, s["signal"]
        assert max(during) < 10, s["signal"]


def test_series_csv_is_contract_3_2(client: TestClient) -> None:
    params = {
        "entity": "asn:29355",
        "signal": "bgp",
        "from": "2022-01-05T10:00:00Z",
        "until": "2022-01-05T11:00:00Z",
        "format": "csv",
    }
    response = client.get("/api/v1/signals", params=params)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["time", "entity", "signal", "value"]
    assert rows[1] == ["2022-01-05T10:00:00Z", "asn:29355", "bgp", "120.0"]
    assert math.isclose(float(rows[-1][3]), 3.6)


def test_event_filters(client: TestClient) -> None:
    everything = client.get("/api/v1/events").json()["events"]
    assert [e["id"] for e in everything][:1] == ["kz-2022-blackout"] or len(everything) == 3
    national = client.get("/api/v1/events", params={"scope": "national"}).json()["events"]
    assert [e["id"] for e in national] == ["kz-2022-blackout"]
    assert national[0]["level"] == 3.0 and national[0]["start"] == "2022-01-05T10:35:00Z"
    assert national[0]["severity"] == "severe"
    top = client.get("/api/v1/events", params={"top_level": "true"}).json()["events"]
    assert [e["id"] for e in top] == ["kz-2022-blackout"]
    assert client.get("/api/v1/events", params={"ongoing": "true"}).json()["events"] == []
    later = client.get("/api/v1/events", params={"from": "2022-01-11T00:00:00Z"}).json()["events"]
    assert later == []
    bad = client.get("/api/v1/events", params={"kind": "earthquake"})
    assert bad.status_code == 422 and error_of(bad)["details"]


def test_event_page_data_has_phases_and_parts(client: TestClient) -> None:
    body = client.get("/api/v1/events/kz-2022-blackout").json()
    assert [p["note"] for p in body["phases"]] == ["blackout", "partial restoration", "blackout"]
    assert {p["id"] for p in body["parts"]} == {"kz-2022-kcell", "kz-2022-kazakhtelecom"}
    assert client.get("/api/v1/events/nope").status_code == 404


def test_summary_ranks_what_is_disrupted_at_a_moment(client: TestClient) -> None:
    during = client.get("/api/v1/summary", params={"at": "2022-01-06T00:00:00Z"}).json()
    assert during["disrupted"][0]["id"] == "kz-2022-blackout"
    assert len(during["disrupted"]) == 3
    after = client.get("/api/v1/summary").json()
    assert after["at"] == "2022-01-11T23:55:00Z" and after["disrupted"] == []
    assert after["latest"][0]["id"] == "kz-2022-blackout"


def test_country_overview_tables(client: TestClient) -> None:
    params = {"from": "2022-01-01T00:00:00Z", "until": "2022-01-08T00:00:00Z"}
    body = client.get("/api/v1/countries/KZ/overview", params=params).json()
    networks = {n["entity"]: n for n in body["networks"]}
    assert networks["asn:29355"]["kind"] == "mobile" and networks["asn:9198"]["kind"] == "fixed"
    assert networks["asn:29355"]["lowest_percent"] < 10
    assert networks["asn:29355"]["events"] == ["kz-2022-kcell"]
    assert networks["asn:48503"]["signals"] == []
    assert [r["entity"] for r in body["regions"]] == ["region:KZ-75"]
    assert [s["entity"] for s in body["services"]] == ["service:whatsapp@country:KZ"]
    table = client.get("/api/v1/countries/KZ/overview", params={**params, "format": "csv"}).text
    assert table.splitlines()[0] == "table,entity,name,kind,latest_percent,lowest_percent,events"
    assert client.get("/api/v1/countries/QQ/overview").status_code == 404


def test_every_list_has_csv(client: TestClient) -> None:
    for path, params in [
        ("/api/v1/events", {}),
        ("/api/v1/summary", {"at": "2022-01-06T00:00:00Z"}),
        ("/api/v1/entities", {"q": "kaz"}),
        ("/api/v1/entities/country:KZ/children", {}),
        ("/api/v1/measurements", {}),
    ]:
        response = client.get(path, params={**params, "format": "csv"})
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/csv"), path
        assert len(response.text.splitlines()) >= 1


def test_bad_ranges_are_422(client: TestClient) -> None:
    for params in [
        {"from": "yesterday"},
        {"from": "2022-01-05T00:00:00"},
        {"from": "2022-01-06T00:00:00Z", "until": "2022-01-05T00:00:00Z"},
        {"max_points": "1"},
        {"max_points": "999999"},
    ]:
        response = client.get("/api/v1/signals", params={"entity": "country:KZ", **params})
        assert response.status_code == 422, params
        error_of(response)


def test_security_headers_and_read_only_cors(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"Origin": "https://example.org"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/api/v1/measurements",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
    assert "POST" not in preflight.headers.get("access-control-allow-methods", "")


def test_dashboard_pages_and_static_files(client: TestClient) -> None:
    for path in ["/", "/country/KZ", "/event/kz-2022-blackout"]:
        response = client.get(path)
        assert response.status_code == 200 and "<main>" in response.text
    assert client.get("/static/chart.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/favicon.ico").status_code == 200


def test_openapi_is_published(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/signals" in spec["paths"] and "/api/v1/measurements" in spec["paths"]
    assert "post" in spec["paths"]["/api/v1/measurements"]


def test_long_views_read_the_stored_percent_of_ordinary(client: TestClient) -> None:
    params = {
        "entity": "country:KZ",
        "mode": "percent",
        "from": "2021-12-27T00:00:00Z",
        "until": "2022-01-12T00:00:00Z",
        "max_points": 100,
    }
    series = client.get("/api/v1/signals", params=params).json()["series"]
    probe = next(s for s in series if s["signal"] == "probe")
    assert probe["step"] >= 3600
    points = dict(zip(probe["times"], probe["values"], strict=True))
    blackout = [
        v
        for t, v in points.items()
        if kzdata.BLACKOUT_START + 6 * 3600 <= t < kzdata.PARTIAL_START - 6 * 3600
    ]
    ordinary = [v for t, v in points.items() if t < kzdata.BLACKOUT_START - 86_400 and v is not None]
    assert blackout and max(blackout) < 10
    assert ordinary and min(ordinary) > 85 and max(ordinary) < 115
    first_day = [v for t, v in points.items() if t < kzdata.START + 86_400]
    assert all(v is None for v in first_day)


def test_an_explicit_step_sets_the_bins(client: TestClient) -> None:
    params = {
        "entity": "country:KZ",
        "signal": "probe",
        "from": "2022-01-01T00:00:00Z",
        "until": "2022-01-03T00:00:00Z",
    }
    hourly = client.get("/api/v1/signals", params={**params, "step": 3600}).json()["series"][0]
    assert hourly["step"] == 3600 and len(hourly["times"]) == 48
    odd = client.get("/api/v1/signals", params={**params, "step": 5000}).json()["series"][0]
    assert odd["step"] == 7200
    too_fine = client.get("/api/v1/signals", params={**params, "from": "2021-12-27T00:00:00Z", "step": 60})
    assert too_fine.status_code == 422 and "larger step" in too_fine.json()["error"]["message"]
