"""The OONI replay answers as OONI's API and S3 bucket do (API-SHAPES.md §2)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from netvigil.sim import kazakhstan
from netvigil.sim.services import ServiceHarness
from netvigil.sim.services_ooni import BUCKET, ooni_app

DEC_28 = kazakhstan.utc(28, 0, month=12, year=2021)


@pytest.fixture(scope="module")
def service() -> Iterator[ServiceHarness]:
    app = ooni_app(start=DEC_28, end=DEC_28 + 2 * 86_400, tests=("whatsapp",), asns=(29355,))
    with ServiceHarness(app).running() as running:
        yield running


def test_next_url_is_built_from_the_request_and_the_count_known_on_the_last_page(
    service: ServiceHarness,
) -> None:
    query = {"probe_cc": "KZ", "since": "2021-12-28", "until": "2021-12-29", "limit": 10, "order": "asc"}
    first = httpx.get(f"{service.base_url}/api/v1/measurements", params=query).json()
    assert first["metadata"]["next_url"].startswith(f"{service.base_url}/api/v1/measurements?")
    assert first["metadata"]["count"] == -1 and len(first["results"]) == 10
    last = httpx.get(first["metadata"]["next_url"].replace("offset=10", "offset=20")).json()
    assert last["metadata"]["next_url"] is None and last["metadata"]["count"] == 24
    assert last["results"][0]["probe_asn"] == "AS29355"
    assert last["results"][0]["measurement_start_time"].endswith(".000000Z")


def test_refusals_are_oonis(service: ServiceHarness) -> None:
    too_long = {"since": "2021-01-01", "until": "2021-12-29"}
    answer = httpx.get(f"{service.base_url}/api/v1/measurements", params=too_long)
    assert answer.status_code == 400 and "6 months" in answer.json()["detail"]
    hourly = {"since": "2021-12-01", "until": "2021-12-29", "time_grain": "hour"}
    answer = httpx.get(f"{service.base_url}/api/v1/aggregation", params=hourly)
    assert answer.status_code == 400 and "time_grain" in answer.json()["msg"]
    unknown = {"measurement_uid": "nope"}
    assert httpx.get(f"{service.base_url}/api/v1/raw_measurement", params=unknown).json() == {}
    assert httpx.get(f"{service.base_url}/api/v1/raw_measurement").status_code == 400
    missing = httpx.get(f"{service.base_url}/{BUCKET}/raw/20211228/00/KZ/whatsapp/nothing.jsonl.gz")
    assert missing.status_code == 404 and b"NoSuchKey" in missing.content


def test_aggregation_without_axis_is_one_object(service: ServiceHarness) -> None:
    whole = {"since": "2021-12-28", "until": "2021-12-30"}
    result = httpx.get(f"{service.base_url}/api/v1/aggregation", params=whole).json()["result"]
    assert result["measurement_count"] == 48
    parts = ("anomaly_count", "confirmed_count", "failure_count", "ok_count")
    assert sum(result[k] for k in parts) == 48
