"""The map's first-level region files (``serve/static/map/regions/``, issue 15 item 4).

Every coded shape carries a first-level ISO 3166-2 code of its own country, Kazakhstan keeps the
codes it had, and the index the browser reads lists exactly the files there are.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pycountry

REGIONS = Path(str(files("netvigil.serve") / "static" / "map" / "regions"))
KZ_CODES = {
    "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-63", "KZ-71", "KZ-75",
}


def region_files() -> dict[str, Path]:
    """Country code → its region file."""
    return {p.stem: p for p in REGIONS.glob("*.json") if p.name != "index.json"}


def geometries(path: Path) -> list[dict[str, Any]]:
    """The shapes of a region file's ``regions`` layer."""
    topo = json.loads(path.read_text(encoding="utf-8"))
    return list(topo["objects"]["regions"]["geometries"])


def first_level_codes(country: str) -> set[str]:
    """pycountry's first-level subdivision codes of a country (those without a parent)."""
    return {s.code for s in pycountry.subdivisions.get(country_code=country) or [] if not s.parent_code}


def test_the_index_lists_exactly_the_region_files() -> None:
    index = json.loads((REGIONS / "index.json").read_text(encoding="utf-8"))
    assert index == sorted(region_files())
    assert len(index) > 150


def test_every_coded_shape_is_a_first_level_subdivision_of_its_country() -> None:
    for country, path in region_files().items():
        codes = {g["id"] for g in geometries(path) if g.get("id")}
        assert codes <= first_level_codes(country), (country, codes - first_level_codes(country))


def test_every_shape_has_land_and_a_name() -> None:
    for path in region_files().values():
        for shape in geometries(path):
            assert shape.get("type") in {"Polygon", "MultiPolygon"}, (path.name, shape.get("id"))
            assert shape.get("properties", {}).get("name"), path.name
            assert shape.get("id") is None or isinstance(shape["id"], str)


def test_kazakhstan_keeps_its_region_codes() -> None:
    shapes = geometries(REGIONS / "KZ.json")
    assert {g["id"] for g in shapes} == KZ_CODES
    assert len(shapes) == len(KZ_CODES)
