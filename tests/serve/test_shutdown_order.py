"""The shutdown in order on the dashboard (API and country page) and in the report, from stored events."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netvigil.detect.story import shutdown_story
from netvigil.report.document import build_report
from netvigil.report.render import html_page, markdown
from netvigil.report.shutdown_order import shutdown_rows, shutdown_sections
from netvigil.serve.app import create_app
from netvigil.serve.settings import load_settings
from netvigil.store import Store, open_store
from tests.detect.story_events import EVENTS, NATIONAL

WINDOW = "from=2022-01-03T00:00:00Z&until=2022-01-12T00:00:00Z"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store holding the hand-made Kazakh steps (and an Uzbek event)."""
    with open_store(tmp_path / "story.duckdb") as opened:
        opened.replace_events(EVENTS, sorted({e.entity for e in EVENTS}))
        yield opened


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    settings = load_settings({"cache_seconds": "0", "rate_limit_per_minute": "0"}, env={})
    with TestClient(create_app(store, settings)) as made:
        yield made


def test_the_api_tells_the_steps_in_order_each_with_its_event(client: TestClient) -> None:
    body = client.get(f"/api/v1/countries/kz/shutdown?{WINDOW}").json()
    expected = [s.to_json() for s in shutdown_story(EVENTS, "KZ")]
    assert body["country"] == "KZ" and body["steps"] == expected
    assert [s["stage"] for s in body["steps"]][:3] == ["place_services", "place_services", "country_services"]
    assert body["steps"][0]["what"].startswith("WhatsApp and Telegram degraded in Almaty")
    ids = {e.id for e in EVENTS}
    assert all(s["event"] in ids for s in body["steps"])


def test_the_api_keeps_to_its_window_and_answers_csv(client: TestClient) -> None:
    early = client.get("/api/v1/countries/KZ/shutdown?from=2022-01-03T00:00:00Z&until=2022-01-04T12:00:00Z")
    assert [s["stage"] for s in early.json()["steps"]] == ["place_services"] * 2  # Almaty, Astana
    later = client.get("/api/v1/countries/KZ/shutdown?from=2022-01-04T05:00:00Z&until=2022-01-04T12:00:00Z")
    steps = later.json()["steps"]  # Almaty's began before the window: not this window's story
    assert [s["what"] for s in steps] == ["WhatsApp and Telegram degraded in Astana"]
    answer = client.get(f"/api/v1/countries/KZ/shutdown?{WINDOW}&format=csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["time", "stage", "what", "event"] and len(rows) == 1 + 6
    assert client.get("/api/v1/countries/QQ/shutdown").status_code == 404


def test_the_country_page_carries_the_timeline_card_and_script(client: TestClient) -> None:
    page = client.get("/country/KZ").text
    assert 'id="shutdown-order"' in page and "/static/timeline.js" in page
    script = client.get("/static/timeline.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "/api/v1/countries/${country}/shutdown" in script.text


def test_the_report_of_the_blackout_tells_the_shutdown_in_order(store: Store, tmp_path: Path) -> None:
    rows = shutdown_rows(store, NATIONAL)
    assert [r.utc for r in rows][:2] == ["2022-01-04 04:00 UTC", "2022-01-04 10:00 UTC"]
    assert rows[0].local == "2022-01-04 10:00 (UTC+06:00)"
    report = build_report(store, NATIONAL, tmp_path, NATIONAL.end or 0)
    assert report.shutdown == rows
    text = markdown(report)
    assert "## The shutdown in order" in text
    assert text.index("WhatsApp and Telegram degraded in Almaty") < text.index("mobile networks cut")
    assert "The shutdown in order" in html_page(report)


def test_one_step_alone_makes_no_section(store: Store) -> None:
    uzbek = next(e for e in EVENTS if e.entity == "country:UZ")
    rows = shutdown_rows(store, uzbek)
    assert len(rows) == 1 and shutdown_sections(rows) == []
