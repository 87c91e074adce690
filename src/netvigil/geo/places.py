"""Where a point is: coordinates → first-level region (ISO 3166-2), by the nearest centroid.

netvigil ships no region shapes, so a point is placed by a documented table of approximate
centroids (``geo/data/region_centroids.csv``, package data; Kazakhstan only, hand-rounded to about
0.1° from public maps). Cities that are regions of their own (Almaty KZ-75, Astana KZ-71, Shymkent
KZ-79) carry a radius: a point is placed in such a city only within that many kilometres of its
centre, otherwise in the nearest region without a radius (the surrounding oblast). A point farther
than :data:`MAX_KM` from every centroid, or in a country the table does not cover, has no region.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from netvigil.model.entities import parse_entity
from netvigil.model.errors import EntityParseError
from netvigil.model.measurements import vantage_of

MAX_KM: Final = 800.0
"""Farther than this from every centroid, a point is not placed (outside the table's countries)."""
EARTH_KM: Final = 6371.0


@dataclass(frozen=True, slots=True, order=True)
class Centroid:
    """One region's approximate centre; ``radius_km`` marks a city region (inside it: in the city)."""

    region: str
    name: str
    lat: float
    lon: float
    radius_km: float | None = None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (haversine, spherical Earth)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def load_centroids(text: str) -> tuple[Centroid, ...]:
    """Parse a centroid table (CSV with region,name,lat,lon,radius_km; radius may be empty)."""
    rows = csv.DictReader(io.StringIO(text))
    return tuple(
        Centroid(r["region"], r["name"], float(r["lat"]), float(r["lon"]), _radius(r.get("radius_km")))
        for r in rows
    )


def _radius(text: str | None) -> float | None:
    return float(text) if text else None


@functools.cache
def default_centroids() -> tuple[Centroid, ...]:
    """The shipped centroid table (read once, on first use)."""
    text = resources.files("netvigil.geo").joinpath("data/region_centroids.csv").read_text("utf-8")
    return load_centroids(text)


def region_of_point(
    lat: float, lon: float, country: str | None = None, centroids: tuple[Centroid, ...] | None = None
) -> str | None:
    """The ISO 3166-2 code of the region holding (``lat``, ``lon``), or None when it cannot be said.

    ``country`` (ISO alpha-2), when known, limits the candidates to that country's regions.
    """
    table = centroids if centroids is not None else default_centroids()
    near = sorted(
        (distance_km(lat, lon, c.lat, c.lon), c)
        for c in table
        if not country or c.region.startswith(f"{country}-")
    )
    cities = [c for km, c in near if c.radius_km is not None and km <= c.radius_km]
    if cities:
        return cities[0].region
    rest = [c for km, c in near if c.radius_km is None and km <= MAX_KM]
    return rest[0].region if rest else None


def region_of_measurement(msm: Mapping[str, Any]) -> str | None:
    """The region an OONI-format measurement was taken in, or None when it does not say.

    Its vantage point's declared region (``x_netvigil_region``, an ISO 3166-2 code of the
    measurement's ``probe_cc``) comes first; else its coordinates (``x_netvigil_lat`` and
    ``x_netvigil_lon``) are placed with :func:`region_of_point`. OONI's own measurements carry only
    country and network: they get None and stay country/network scoped.
    """
    vantage = vantage_of(msm.get("annotations"))
    country = str(msm.get("probe_cc") or "").upper() or None
    if vantage.region:
        return _checked_region(vantage.region.upper(), country)
    if vantage.lat is not None and vantage.lon is not None:
        return region_of_point(vantage.lat, vantage.lon, country)
    return None


def _checked_region(code: str, country: str | None) -> str | None:
    """``code`` if it is an ISO 3166-2 spelling within ``country``; None otherwise."""
    try:
        parse_entity(f"region:{code}")
    except EntityParseError:
        return None
    return code if country is None or code.startswith(f"{country}-") else None
