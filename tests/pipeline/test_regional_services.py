"""Two vantage points in two regions, one throttled: a regional service event for that region only.

Real measurements over loopback (no root needed): the ``signal`` test of each vantage point runs
against its own real HTTP server on 127.0.0.1 (the ``whatsapp`` classifier, like OONI's, insists on
WhatsApp's own URLs, which a loopback test cannot serve), the Almaty (KZ-75) ones answering after a
delay (throttling as the probe sees it: every fetch works, much slower than the baseline site),
the Astana (KZ-71) ones at once. The measurements go through the real submission, store,
reachability signals and service detector. The netns twin (tests/integration/
test_regional_netns.py) throttles with tc instead.

Rounds run back to back; each round's measurements are then stamped one hour apart (the bins of the
reachability signal), since the detector needs hours of history and a test cannot wait hours.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from netvigil.alert.dispatch import matches
from netvigil.cli.main import app
from netvigil.model.alerts import AlertRule
from netvigil.model.events import Event, Phase
from netvigil.model.measurements import ooni_time
from netvigil.model.signals import SignalPoint
from netvigil.pipeline.analyse import run_detection
from netvigil.pipeline.measurements import search_measurements, submit_measurements
from netvigil.pipeline.reach_service import make_context, run_once
from netvigil.probe.reachability.control import QuietHTTPServer
from netvigil.report.document import place_of
from netvigil.report.exports import read_stop_csv, stop_csv
from netvigil.report.statement import headline
from netvigil.serve.app import create_app
from netvigil.serve.settings import load_settings
from netvigil.store import open_store

DELAY = 0.8
"""Seconds the throttled servers wait before answering (the probe calls ≥ 0.5 s and 3× baseline slow)."""
T0 = 1_700_000_000 - 1_700_000_000 % 3600
HISTORY, THROTTLED, AFTER = 3, 3, 2


def _handler(delay: list[float]) -> type[BaseHTTPRequestHandler]:
    """A handler answering after ``delay[0]`` seconds (the test switches it between rounds)."""

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay[0])
            body = b"<html><title>site</title>ok</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Answer


@dataclass
class Site:
    """A real loopback HTTP server whose answers can be delayed (switched by the test)."""

    server: QuietHTTPServer
    delay: list[float]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"


def _site() -> Site:
    delay = [0.0]
    server = QuietHTTPServer(("127.0.0.1", 0), _handler(delay))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Site(server, delay)


@pytest.fixture
def sites() -> Iterator[dict[str, Site]]:
    made = {name: _site() for name in ("baseline", "almaty", "astana")}
    yield made
    for site in made.values():
        site.server.shutdown()


def _settings(region: str, asn: str, site: Site, baseline: Site) -> dict[str, Any]:
    return {
        "vantage": {"name": f"{region.lower()}-probe", "region": region, "network": asn},
        "timeout": 5.0,
        "allowed_networks": ["127.0.0.0/8"],
        "baseline_url": baseline.url,
        "endpoints": {"signal": {"urls": [site.url]}},
    }


def _stamped(measurements: list[dict[str, Any]], hour: int) -> list[dict[str, Any]]:
    """The round's measurements as if made ``hour`` hours after T0 (see the module docstring)."""
    at = ooni_time(T0 + hour * 3600 + 60)
    return [{**m, "measurement_start_time": at, "test_start_time": at} for m in measurements]


def test_the_throttled_region_alone_gets_a_regional_service_event(
    sites: dict[str, Site], tmp_path: Path
) -> None:
    almaty = make_context(_settings("KZ-75", "AS29355", sites["almaty"], sites["baseline"]))
    astana = make_context(_settings("KZ-71", "AS9198", sites["astana"], sites["baseline"]))
    db = tmp_path / "obs.duckdb"
    with open_store(db) as store:
        for hour in range(HISTORY + THROTTLED + AFTER):
            throttled = HISTORY <= hour < HISTORY + THROTTLED
            sites["almaty"].delay[0] = DELAY if throttled else 0.0
            for ctx in (almaty, astana):
                found = _stamped(run_once(["signal"], [], ctx), hour)
                assert submit_measurements(store, found, T0 + hour * 3600 + 120).accepted == 1
        placed = search_measurements(store, probe_region="KZ-75", limit=100)
        assert len(placed) == HISTORY + THROTTLED + AFTER
        assert sum(m["blocking_type"] == "throttling" for m in placed) == THROTTLED
        events = run_detection(store)
    regional = [e for e in events if e.scope == "regional"]
    assert [(e.entity, e.kind) for e in regional] == [("service:signal@region:KZ-75", "throttling")]
    (event,) = regional
    assert (event.start, event.end) == (T0 + HISTORY * 3600, T0 + (HISTORY + THROTTLED) * 3600)
    assert event.phases[0].note.startswith("Signal degraded in Almaty")
    assert "kz-75-probe (AS29355)" in event.phases[0].note
    assert not any("KZ-71" in e.entity for e in events)
    command = ["events", "--entity", "region:KZ-75", "--db", str(db), "--format", "jsonl"]
    listed = CliRunner().invoke(app, command)
    assert listed.exit_code == 0, listed.output
    assert "service:signal@region:KZ-75" in listed.output


ALMATY_WHATSAPP = Event(
    id="r1",
    entity="service:whatsapp@region:KZ-75",
    entity_name="WhatsApp in Almaty",
    kind="service_blocking",
    scope="regional",
    start=T0,
    end=T0 + 6 * 3600,
    level=12.0,
    signals=("reachability",),
    confidence=0.8,
    services=("whatsapp", "telegram"),
    phases=(Phase(T0, T0 + 6 * 3600, 12.0, "WhatsApp and Telegram degraded in Almaty: blocked"),),
    step=3600,
)


def test_alerts_on_a_region_take_the_service_events_seen_from_it() -> None:
    def rule(entity: str) -> AlertRule:
        return AlertRule("r", "desk", "webhook", "https://hook.example", entity=entity)

    assert matches(rule("region:KZ-75"), ALMATY_WHATSAPP)
    assert matches(rule("country:KZ"), ALMATY_WHATSAPP)
    assert matches(rule("service:whatsapp@region:KZ-75"), ALMATY_WHATSAPP)
    assert not matches(rule("region:KZ-71"), ALMATY_WHATSAPP)


def test_the_stop_export_and_the_statement_carry_the_region() -> None:
    (row,) = csv.DictReader(io.StringIO(stop_csv([ALMATY_WHATSAPP])))
    assert row["geo_scope"] == "Only one state, province, or region" and row["area_name"] == "Almaty"
    assert row["shutdown_extent"] == "Service-based" and row["nv_entity"] == ALMATY_WHATSAPP.entity
    assert row["whatsapp_affected"] == row["telegram_affected"] == "Yes"
    assert read_stop_csv(stop_csv([ALMATY_WHATSAPP])) == [ALMATY_WHATSAPP]
    sentence = headline(ALMATY_WHATSAPP, place_of(ALMATY_WHATSAPP))
    assert sentence.startswith("Metrics indicate WhatsApp and Telegram degraded in Almaty;")


def test_the_api_shows_a_regions_services_and_filters_by_region(tmp_path: Path) -> None:
    with open_store(tmp_path / "api.duckdb") as store:
        store.write_signals([SignalPoint(T0, ALMATY_WHATSAPP.entity, "reachability", 0.1, "ooni")])
        store.replace_events([ALMATY_WHATSAPP], [ALMATY_WHATSAPP.entity])
        settings = load_settings({"cache_seconds": "0", "rate_limit_per_minute": "0"}, env={})
        with TestClient(create_app(store, settings)) as client:
            region = client.get("/api/v1/entities/region:KZ-75").json()
            assert [s["entity"] for s in region["services"]] == [ALMATY_WHATSAPP.entity]
            assert region["services"][0]["parent"] == "service:whatsapp@country:KZ"
            events = client.get("/api/v1/events", params={"entity": "region:KZ-75"}).json()
            assert [e["entity"] for e in events["events"]] == [ALMATY_WHATSAPP.entity]
            feed = client.get("/feeds/events.atom", params={"entity": "region:KZ-75"})
            assert feed.status_code == 200 and "WhatsApp in Almaty" in feed.text
            bad = client.get("/api/v1/measurements", params={"probe_region": "Almaty"})
            assert bad.status_code == 422
