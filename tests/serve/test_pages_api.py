"""The API and routes behind the region, network, map and search pages (issue 15, items 3 and 4)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def keys(client: TestClient, q: str) -> list[str]:
    found = client.get("/api/v1/entities", params={"q": q}).json()["entities"]
    return [e["entity"] for e in found]


def test_search_by_any_name_people_use(client: TestClient) -> None:
    assert keys(client, "Kazakhstan")[0] == "country:KZ"
    assert keys(client, "Қазақстан")[0] == "country:KZ"
    assert keys(client, "Казахстан")[0] == "country:KZ"
    assert keys(client, "哈萨克斯坦") == ["country:KZ"]
    assert keys(client, "Алматы")[0] == "region:KZ-75"
    assert keys(client, "Kcell")[0] == "asn:29355"
    assert keys(client, "AS29355")[0] == "asn:29355"
    assert keys(client, "as 9198")[0] == "asn:9198"
    assert keys(client, "AS64500") == ["asn:64500"]


def test_search_results_link_their_pages(client: TestClient) -> None:
    found = client.get("/api/v1/entities", params={"q": "Алматы"}).json()["entities"][0]
    assert found["page"] == "/region/KZ-75" and found["parent"] == "country:KZ"
    kz = client.get("/api/v1/entities/country:KZ").json()
    pages = {c["entity"]: c["page"] for c in kz["children"]}
    assert pages["asn:29355"] == "/network/29355" and pages["region:KZ-75"] == "/region/KZ-75"
    assert kz["page"] == "/country/KZ"


def test_map_levels_at_a_moment(client: TestClient) -> None:
    during = client.get("/api/v1/map", params={"at": "2022-01-06T00:00:00Z"}).json()
    areas = {a["entity"]: a for a in during["areas"]}
    assert during["at"] == "2022-01-06T00:00:00Z"
    assert set(areas) == {"country:KZ", "region:KZ-75"}
    assert areas["country:KZ"]["percent"] < 10 and areas["country:KZ"]["page"] == "/country/KZ"
    before = client.get("/api/v1/map", params={"at": "2022-01-03T00:00:00Z"}).json()
    assert {a["entity"]: a["percent"] for a in before["areas"]}["country:KZ"] > 80
    csv_text = client.get("/api/v1/map", params={"at": "2022-01-06T00:00:00Z", "format": "csv"}).text
    assert csv_text.startswith("entity,name,percent,events") and "region:KZ-75,Almaty," in csv_text


def test_entity_pages_answer_html(client: TestClient) -> None:
    pages = ("/region/KZ-75", "/region/kz-75", "/network/29355", "/network/AS29355", "/map", "/search")
    for path in (*pages, "/event/kz-2022-blackout", "/country/kz"):
        page = client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path


def test_unknown_page_addresses_answer_an_html_404_not_json(client: TestClient) -> None:
    unknown = ("/region/XX-99", "/network/abc", "/country/QQ", "/event/no-such", "/nowhere", "/static/x.js")
    for path in unknown:
        page = client.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert "No such page" in page.text and 'href="/search"' in page.text
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
