"""What a posted chart says about its data: sources, the synthetic note, the local time zone, uPlot."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netvigil.pipeline.provenance import mark_synthetic, synthetic_note
from netvigil.serve.app import create_app
from netvigil.serve.settings import load_settings
from netvigil.serve.web import static_dir
from netvigil.store import open_store
from tests.serve import kzdata

ROOT = Path(__file__).resolve().parents[2]
NOTE = "test store shaped on Kazakhstan, January 2022"


@pytest.fixture(scope="module")
def synthetic_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over a KZ store marked synthetic."""
    path = Path(tmp_path_factory.mktemp("synthetic")) / "kz.duckdb"
    with open_store(path) as store:
        kzdata.fill(store)
        mark_synthetic(store, NOTE)
        app = create_app(store, load_settings({"cache_seconds": "0", "rate_limit_per_minute": "0"}, env={}))
        with TestClient(app) as client:
            yield client


def test_sources_name_each_signal_source_with_its_points(client: TestClient) -> None:
    window = {"entity": "country:KZ", "from": "2022-01-05T00:00:00Z", "until": "2022-01-06T00:00:00Z"}
    body = client.get("/api/v1/sources", params=window).json()
    assert body["synthetic"] is None
    assert body["since"] == "2022-01-05T00:00:00Z" and body["until"] == "2022-01-06T00:00:00Z"
    assert body["sources"] == [
        {"signal": signal, "source": "test", "points": 288} for signal in ("bgp", "probe", "traffic")
    ]


def test_a_synthetic_store_says_so_in_sources_and_summary(synthetic_client: TestClient) -> None:
    sources = synthetic_client.get("/api/v1/sources", params={"entity": "asn:29355"}).json()
    assert sources["synthetic"] == NOTE and {s["signal"] for s in sources["sources"]} == {"probe", "bgp"}
    assert synthetic_client.get("/api/v1/summary").json()["synthetic"] == NOTE


def test_an_unmarked_store_is_observed_data(client: TestClient) -> None:
    assert client.get("/api/v1/summary").json()["synthetic"] is None


def test_the_mark_is_kept_with_the_store(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as store:
        assert synthetic_note(store) is None
        mark_synthetic(store, "  ")
    with open_store(path, read_only=True) as store:
        assert synthetic_note(store) == "synthetic data"


def test_country_and_entities_carry_the_local_time_zone(client: TestClient) -> None:
    overview = client.get("/api/v1/countries/KZ/overview").json()
    assert overview["timezone"] == "Asia/Almaty"
    assert client.get("/api/v1/entities/asn:29355").json()["timezone"] == "Asia/Almaty"
    assert client.get("/api/v1/entities/region:KZ-75").json()["timezone"] == "Asia/Almaty"


def test_uplot_is_served_from_the_package_with_its_licence_and_recorded_version(client: TestClient) -> None:
    served = client.get("/static/uPlot.esm.js")
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/javascript")
    version = re.search(r"uPlot \(v(\d+\.\d+\.\d+)\)", served.text)
    assert version is not None
    assert "MIT License" in (static_dir() / "uPlot.LICENSE.txt").read_text("utf-8")
    assert client.get("/static/uPlot.min.css").status_code == 200
    design = (ROOT / "docs/design/dashboard.md").read_text("utf-8")
    assert f"uPlot {version.group(1)}" in design
    chart = (static_dir() / "chart.js").read_text("utf-8")
    assert 'import uPlot from "./uPlot.esm.js";' in chart
    assert "export function drawChart(container, spec)" in chart
