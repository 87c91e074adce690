"""One baseline everywhere, and "too little history" said by the API.

The % of ordinary of a time is the detector's expected value for it, whatever window a chart
asks for; a series too young to judge is listed with the time it becomes judgeable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from netvigil.detect.baseline import expected_values, judgeable_from
from netvigil.model.events import iso, parse_iso
from netvigil.model.signals import SignalPoint
from netvigil.serve.app import create_app
from netvigil.serve.settings import load_settings
from netvigil.store import Store, open_store
from tests.serve import kzdata

AFTER = parse_iso("2022-01-10T12:00:00Z")
"""A time after the blackout's end (05:00 UTC)."""


def percent_at(client: TestClient, signal: str, since: str, until: str, max_points: int) -> dict[int, float]:
    params = {"entity": "country:KZ", "signal": signal, "mode": "percent", "from": since, "until": until}
    series = client.get("/api/v1/signals", params={**params, "max_points": max_points}).json()["series"][0]
    assert series["step"] == 300
    return {t: v for t, v in zip(series["times"], series["values"], strict=True) if v is not None}


def test_percent_of_ordinary_is_the_same_whatever_the_window(client: TestClient, kz_store: Store) -> None:
    windows = [
        ("2022-01-10T06:00:00Z", "2022-01-10T18:00:00Z"),
        ("2022-01-09T00:00:00Z", "2022-01-11T00:00:00Z"),
        ("2022-01-04T00:00:00Z", "2022-01-11T00:00:00Z"),
    ]
    for signal in ("probe", "traffic"):
        seen = [percent_at(client, signal, since, until, 5000) for since, until in windows]
        assert len({round(view[AFTER], 6) for view in seen}) == 1, signal
        assert 95 < seen[0][AFTER] < 105, signal
        data = next(kz_store.read_series(["country:KZ"], [signal]))
        expected = expected_values(data.times, data.values, np.array([AFTER]), signal)[0]
        value = data.values[data.times == AFTER][0]
        assert abs(seen[0][AFTER] - 100 * value / expected) < 1e-3


def test_a_young_series_is_said_to_be_too_young_with_when_it_is_judgeable(tmp_path: Path) -> None:
    first = parse_iso("2022-01-05T00:00:00Z")
    points = [SignalPoint(first + k * 300, "country:KZ", "probe", 100.0, "test") for k in range(144)]
    with open_store(tmp_path / "young.duckdb") as store:
        store.write_signals(points)
        app = create_app(store, load_settings({"cache_seconds": "0", "rate_limit_per_minute": "0"}, env={}))
        with TestClient(app) as client:
            events = client.get("/api/v1/events", params={"entity": "country:KZ"}).json()
            signals = client.get("/api/v1/signals", params={"entity": "country:KZ"}).json()
    waiting = {
        "entity": "country:KZ",
        "signal": "probe",
        "status": "too little history",
        "first": iso(first),
        "last": iso(first + 143 * 300),
        "judgeable_from": iso(judgeable_from(first)),
    }
    assert events["events"] == [] and events["too_little_history"] == [waiting]
    assert signals["too_little_history"] == [waiting]
    assert waiting["judgeable_from"] == "2022-01-06T00:00:00Z"


def test_a_judgeable_store_lists_no_series_as_too_young(client: TestClient) -> None:
    assert client.get("/api/v1/events").json()["too_little_history"] == []
    assert kzdata.END - kzdata.START > 86_400


def test_stored_half_hours_are_the_mean_expected_value_of_their_points(
    client: TestClient, kz_store: Store
) -> None:
    params = {"entity": "country:KZ", "signal": "probe", "mode": "percent", "step": 1800}
    window = {"from": "2022-01-10T00:00:00Z", "until": "2022-01-11T00:00:00Z"}
    series = client.get("/api/v1/signals", params={**params, **window}).json()["series"][0]
    assert series["step"] == 1800
    shown = dict(zip(series["times"], series["values"], strict=True))[AFTER]
    data = next(kz_store.read_series(["country:KZ"], ["probe"]))
    inside = (data.times >= AFTER) & (data.times < AFTER + 1800)
    expected = expected_values(data.times, data.values, data.times, "probe")
    assert abs(shown - 100 * data.values[inside].mean() / expected[inside].mean()) < 1e-2
