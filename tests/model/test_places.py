"""Where a measurement was taken: vantage-point annotations, region codes and coordinates."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from netvigil.cli.main import app
from netvigil.geo.places import default_centroids, distance_km, region_of_measurement, region_of_point
from netvigil.model.errors import InputError
from netvigil.model.measurements import VantagePoint, vantage_of
from netvigil.pipeline.reach_service import make_context, vantage_point


@pytest.mark.parametrize(
    ("lat", "lon", "country", "region"),
    [
        (43.25, 76.92, None, "KZ-75"),  # central Almaty: the city
        (43.60, 77.80, "KZ", "KZ-19"),  # outside the city's radius: Almaty Region
        (51.13, 71.43, None, "KZ-71"),  # Astana
        (43.65, 51.17, "KZ", "KZ-47"),  # Aktau, Mangystau
        (52.52, 13.40, None, None),  # Berlin: farther than 800 km from every centroid
        (43.25, 76.92, "KG", None),  # the table has no Kyrgyz regions
    ],
)
def test_points_are_placed_by_the_nearest_centroid(
    lat: float, lon: float, country: str | None, region: str | None
) -> None:
    assert region_of_point(lat, lon, country) == region


def test_the_centroid_table_covers_every_kazakh_region_once() -> None:
    codes = [c.region for c in default_centroids()]
    assert len(codes) == len(set(codes)) == 20 and all(c.startswith("KZ-") for c in codes)
    assert round(distance_km(43.24, 76.89, 51.17, 71.45)) in range(960, 980)  # Almaty–Astana


def test_annotations_round_trip_and_place_a_measurement() -> None:
    here = VantagePoint("almaty-1", "KZ-75", "AS29355", 43.238, 76.889)
    notes = here.annotations()
    assert notes["x_netvigil_lat"] == "43.2380" and vantage_of(notes).region == "KZ-75"
    assert region_of_measurement({"probe_cc": "KZ", "annotations": notes}) == "KZ-75"
    coords = {k: v for k, v in notes.items() if k != "x_netvigil_region"}
    assert region_of_measurement({"probe_cc": "KZ", "annotations": coords}) == "KZ-75"
    assert region_of_measurement({"probe_cc": "KG", "annotations": notes}) is None  # not a KG region
    ooni = {"probe_cc": "KZ", "probe_asn": "AS29355", "annotations": {"engine_name": "ooniprobe-cli"}}
    assert region_of_measurement(ooni) is None  # OONI's own: country and network only
    broken = {"probe_cc": "KZ", "annotations": {"x_netvigil_lat": "north", "x_netvigil_lon": "76.9"}}
    assert region_of_measurement(broken) is None


def test_a_vantage_point_fills_the_envelope_and_refuses_nonsense() -> None:
    ctx = make_context({"vantage": {"region": "kz-75", "network": 29355}})
    assert (ctx.probe_cc, ctx.probe_asn, ctx.vantage.region) == ("KZ", "AS29355", "KZ-75")
    assert vantage_point({"lat": 51.13, "lon": 71.43}).region == "KZ-71"
    for bad, message in (
        ({"lat": 91, "lon": 0}, "lat must be a number"),
        ({"lat": 43.2}, "need both lat and lon"),
        ({"network": "Kcell"}, "ASN such as AS29355"),
        ({"region": "KZ-99"}, "unknown entity region:KZ-99"),
    ):
        with pytest.raises(InputError, match=message):
            vantage_point(bad)


def test_reach_run_refuses_a_bad_vantage_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "vantage.json"
    path.write_text('{"region": "KZ-75", "altitude": 800}')
    result = CliRunner().invoke(app, ["reach", "run", "--tests", "signal", "--vantage", str(path)])
    assert result.exit_code == 2 and "unknown vantage field(s) altitude" in result.output
    assert "Traceback" not in result.output
