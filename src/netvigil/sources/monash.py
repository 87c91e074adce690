"""The Monash IP Observatory's published CSV series, as signal points (contract 3.2).

Two layouts are read (sodalabsio/shared_data ``Monash-IP-Observatory/``):

- county connectivity (e.g. ``usa-2020-08-31_HurrLaura.csv``): ``time_e_utc`` (Unix seconds),
  ``connectivity`` (an index, about 0–10, of a county's responsive address space), ``iso``
  (ISO 3166-1 alpha-3), ``name_1`` (state), ``name_2`` (county). Each county becomes a local
  entity below its state, ``local:US-LA/calcasieu`` (signal ``connectivity``), so its outages roll
  up local → region → country;
- first-level regions' latency (e.g. ``ukr-2022-01-18_border-regions.csv``): ``time_local`` with
  its ``timezone_offset`` in hours, ``adm1_unique_identifier`` (Monash's own id such as ``RUS-42``),
  ``adm1_name``, ``latency_indx`` (100 = ordinary latency; higher is slower). Each region becomes
  ``region:`` with its ISO 3166-2 code when netvigil knows it (:data:`ADM1_ISO`, checked by hand),
  else a local entity under its country; signal ``latency``, which the detector shows beside the
  others without judging it as a level (a rise is slowness, not lost connectivity).

A state is matched to its ISO 3166-2 subdivision by its English name. A bad row raises
:class:`InputError` with the file and line.
"""

from __future__ import annotations

import csv
import functools
import importlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Final

from netvigil.model.entities import parse_entity
from netvigil.model.errors import InputError, reading
from netvigil.model.signals import SignalPoint
from netvigil.sources.signal_csv import point_from_fields

COUNTY_COLUMNS: Final = frozenset({"time_e_utc", "connectivity", "iso", "name_1", "name_2"})
ADM1_COLUMNS: Final = frozenset(
    {
        "country_iso_three_char_code",
        "adm1_unique_identifier",
        "adm1_name",
        "timezone_offset",
        "time_local",
        "latency_indx",
    }
)
ADM1_ISO: Final[dict[str, str]] = {
    "RUS-8": "RU-BEL",
    "RUS-9": "RU-BRY",
    "RUS-42": "RU-KRS",
    "RUS-63": "RU-ROS",
    "RUS-86": "RU-VOR",
    "UKR-4": "UA-43",
    "UKR-6": "UA-14",
    "UKR-11": "UA-30",
    "UKR-15": "UA-09",
    "UKR-20": "UA-40",
}
"""Monash's first-level region ids → ISO 3166-2 (Belgorod, Bryansk, Kursk, Rostov, Voronezh; Crimea,
Donetsk, Kyiv city, Luhansk, Sevastopol). Regions not listed become local entities."""
SOURCE: Final = "monash"
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """A local entity's name part from a place name: ``Saint Landry`` → ``saint-landry``."""
    text = _SLUG.sub("-", name.lower().replace("'", "")).strip("-")
    if not text:
        raise ValueError(f"{name!r} has no letters or digits to name a place by")
    return text[:64]


@functools.cache
def _pycountry() -> ModuleType:
    return importlib.import_module("pycountry")


@functools.cache
def alpha_2(alpha_3: str) -> str:
    """ISO 3166-1 alpha-2 of an alpha-3 code; ValueError if there is none."""
    country = _pycountry().countries.get(alpha_3=alpha_3.strip().upper())
    if country is None:
        raise ValueError(f"{alpha_3!r} is not an ISO 3166-1 alpha-3 country code")
    return str(country.alpha_2)


@functools.cache
def subdivision(country: str, name: str) -> str | None:
    """The ISO 3166-2 code of ``country``'s first-level subdivision called ``name`` (English), if any."""
    wanted = name.strip().lower()
    for sub in _pycountry().subdivisions.get(country_code=country) or []:
        if sub.parent_code is None and str(sub.name).lower() == wanted:
            return str(sub.code)
    return None


def county_point(row: dict[str, str], source: str) -> SignalPoint:
    """One county-connectivity row as a point of ``local:<state>/<county>``."""
    country = alpha_2(row["iso"])
    state = subdivision(country, row["name_1"])
    name = row["name_2"] if state else f"{row['name_1']} {row['name_2']}"
    entity = f"local:{state or country}/{slug(name)}"
    return _point(row["time_e_utc"], entity, "connectivity", row["connectivity"], source)


def adm1_point(row: dict[str, str], source: str) -> SignalPoint:
    """One first-level-region latency row as a point of its ``region:`` (or local) entity."""
    code = ADM1_ISO.get(row["adm1_unique_identifier"].strip())
    country = alpha_2(row["country_iso_three_char_code"])
    entity = f"region:{code}" if code else f"local:{country}/{slug(row['adm1_name'])}"
    offset = timezone(timedelta(hours=float(row["timezone_offset"])))
    moment = datetime.strptime(row["time_local"].strip(), "%d-%b-%Y %H:%M:%S").replace(tzinfo=offset)
    time = int(moment.astimezone(UTC).timestamp())
    return _point(time, entity, "latency", row["latency_indx"], source)


def _point(time: object, entity: str, signal: str, value: object, source: str) -> SignalPoint:
    """A point checked by the signal-file rules (known entity, time 1990–2100, finite value ≥ 0)."""
    return point_from_fields({"time": time, "entity": entity, "signal": signal, "value": value}, source)


def read_monash(path: Path) -> Iterator[SignalPoint]:
    """The points of a Monash IP Observatory CSV (either layout); InputError at the first bad row.

    Bytes that are not UTF-8 text are an InputError with the line they are on, not a traceback.
    """
    with reading(path), path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        try:
            yield from _monash_points(path, reader)
        except UnicodeDecodeError as exc:
            line = reader.line_num + 1
            raise InputError(f"not UTF-8 text ({exc.reason})", path=str(path), line=line) from None


def _monash_points(path: Path, reader: csv.DictReader[str]) -> Iterator[SignalPoint]:
    """The points of the rows ``reader`` gives, in the layout its header names."""
    columns = set(reader.fieldnames or [])
    if columns >= COUNTY_COLUMNS:
        convert = county_point
    elif columns >= ADM1_COLUMNS:
        convert = adm1_point
    else:
        raise InputError(
            "not a Monash IP Observatory series: expected the columns "
            f"{', '.join(sorted(COUNTY_COLUMNS))} or {', '.join(sorted(ADM1_COLUMNS))}",
            path=str(path),
            line=1,
        )
    source = f"{SOURCE}:{path.name}"
    for row in reader:
        try:
            yield convert(row, source)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"not a Monash row: {exc}", path=str(path), line=reader.line_num) from exc


def with_totals(points: Iterable[SignalPoint]) -> list[SignalPoint]:
    """The points, plus per time the sum over the local entities of each region and of each country.

    Only the places the file covers are summed (the Laura file's ``country:US`` is its four states):
    a sum is the file's own total, not a national figure from elsewhere.
    """
    kept = list(points)
    totals: dict[tuple[int, str, str], float] = defaultdict(float)
    for point in kept:
        eid = parse_entity(point.entity)
        if eid.type != "local" or eid.place is None:
            continue
        places = {str(eid.place), f"country:{eid.country_code}"}
        for place in places:
            totals[(point.time, place, point.signal)] += point.value
    source = kept[0].source if kept else SOURCE
    summed = [SignalPoint(t, e, s, v, source) for (t, e, s), v in totals.items()]
    return [*kept, *summed]


def write_signal_file(points: Iterable[SignalPoint], out: Path) -> int:
    """Write points as a contract-3.2 CSV (Unix seconds), sorted by time and entity; the row count."""
    rows = sorted(points, key=lambda p: (p.time, p.entity, p.signal))
    with reading(out), out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["time", "entity", "signal", "value"])
        writer.writerows([p.time, p.entity, p.signal, f"{p.value:.10g}"] for p in rows)
    return len(rows)
