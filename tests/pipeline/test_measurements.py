"""Submission and search of OONI-format measurements against a real DuckDB store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netvigil.pipeline.measurements import get_measurement, search_measurements, submit_measurements
from netvigil.store import Store, open_store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ooni" / "ooni_backend_fastpath_fixtures.jsonl"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "m.duckdb")


def _fixtures() -> list[dict[str, object]]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def test_submit_is_idempotent_and_keeps_received_at(store: Store) -> None:
    items = _fixtures()
    first = submit_measurements(store, items, received_at=1_700_000_000)
    assert (first.accepted, first.duplicates, first.rejected) == (11, 0, 0)
    again = submit_measurements(store, items[:3], received_at=1_700_000_500)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 3, 0)
    rows = search_measurements(store, probe_cc="IR")
    assert len(rows) == 1
    assert rows[0]["received_at"] == "2023-11-14T22:13:20Z"
    assert rows[0]["upload_delay_s"] == 1_700_000_000 - 1_660_590_090


def test_duplicates_inside_one_submission_count_once(store: Store) -> None:
    item = _fixtures()[7]
    result = submit_measurements(store, [item, item], received_at=1)
    assert (result.accepted, result.duplicates) == (1, 1)


def test_bad_items_are_rejected_alone(store: Store) -> None:
    good = _fixtures()[4]
    bad_cc = dict(good, probe_cc="Kazakhstan", report_id="other")
    result = submit_measurements(store, [good, "text", bad_cc], received_at=5)
    assert (result.accepted, result.duplicates, result.rejected) == (1, 0, 2)
    assert [e.index for e in result.errors] == [1, 2]
    assert "probe_cc 'Kazakhstan'" in result.errors[1].reason


def test_search_filters_and_get_returns_body(store: Store) -> None:
    submit_measurements(store, _fixtures(), received_at=1_700_000_000)
    signal = search_measurements(store, test_name="signal")
    assert len(signal) == 3
    assert [r["probe_asn"] for r in search_measurements(store, probe_asn=30722)] == ["AS30722"] * 3
    assert len(search_measurements(store, probe_asn="AS30722", test_name="telegram")) == 1
    window = search_measurements(store, since=1_640_995_200, until=1_672_531_200)
    assert {r["test_name"] for r in window} == {"signal", "web_connectivity", "whatsapp"}
    assert len(search_measurements(store, limit=2)) == 2
    full = get_measurement(store, signal[0]["id"])
    assert full is not None and full["measurement"]["test_name"] == "signal"
    assert get_measurement(store, "nope") is None


def test_measurement_uid_is_the_id_when_given(store: Store) -> None:
    item = dict(_fixtures()[7], measurement_uid="20220101000000.000000_KZ_telegram_abc")
    submit_measurements(store, [item], received_at=1)
    assert get_measurement(store, "20220101000000.000000_KZ_telegram_abc") is not None
