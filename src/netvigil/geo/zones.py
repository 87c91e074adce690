"""A country's local time: its UTC offset at a moment, from the IANA time-zone database.

The cause suggestion (``detect.cause``) asks whether cuts start in the local morning. A country's
zone is its first one in the database's ``zone1970.tab`` (the capital's for most countries; a
country spanning several zones gets its first, which is an approximation said in docs/detector.md).
The table is read from the system's zoneinfo folders or the ``tzdata`` package, whichever is there;
where neither is, the offset is unknown (``None``) and the suggestion does without it.
"""

from __future__ import annotations

import functools
import importlib.util
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

TABLE: Final = "zone1970.tab"


def _tables() -> list[Path]:
    """Where ``zone1970.tab`` may be: each zoneinfo search folder, then the tzdata package."""
    places = [Path(folder) / TABLE for folder in zoneinfo.TZPATH]
    spec = importlib.util.find_spec("tzdata")
    if spec is not None and spec.submodule_search_locations:
        places.append(Path(next(iter(spec.submodule_search_locations))) / "zoneinfo" / TABLE)
    return places


@functools.cache
def country_zones() -> dict[str, str]:
    """Each ISO 3166-1 alpha-2 code's first zone (empty when no table is found)."""
    for table in _tables():
        try:
            text = table.read_text("utf-8")
        except OSError:
            continue
        zones: dict[str, str] = {}
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            codes, _, zone = line.split("\t")[:3]
            for code in codes.split(","):
                zones.setdefault(code, zone)
        return zones
    return {}


def utc_offset_hours(country: str, at: int) -> float | None:
    """The UTC offset of ``country`` (alpha-2) at Unix time ``at``, in hours; None if unknown."""
    zone = country_zones().get(country)
    if zone is None:
        return None
    try:
        offset = datetime.fromtimestamp(at, UTC).astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return None if offset is None else offset.total_seconds() / 3600
