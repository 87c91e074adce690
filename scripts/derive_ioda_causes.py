"""Derive the IODA cause fixture (tests/fixtures/ground-truth/ioda_causes.csv) from IODA's checked list.

Usage: python scripts/derive_ioda_causes.py \
    "/work/shared/data/ground-truth/ioda_investigated_outages_cleaned_phase1+2.csv" \
    tests/fixtures/ground-truth/ioda_causes.csv

Keeps every outage whose begin and end parse and whose end is after its begin (all causes, Unknown
too: the others are the siblings a recurrence is judged against), with: id, ISO 3166-1 country,
scope (country, region or asn), cause as IODA wrote it (empty when none), begin and end (UTC, ISO
8601), which signals showed it to IODA's analysts (bgp, active probing, telescope: 1/0/empty), and
the country's UTC offset at the begin (hours, ``netvigil.geo.zones``: its first zone in the
time-zone database's zone1970.tab), so the fixture says the local time whatever machine reads it.
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path

import pycountry

from netvigil.geo.zones import utc_offset_hours

NAMES = {  # IODA's spellings pycountry does not find by itself
    "Myanmar/Burma": "MM",
    "Democratic Republic of (DRC)": "CD",
    "United States of America (USA)": "US",
    "Republic of the Congo": "CG",
    "Iran": "IR",
    "Russia": "RU",
    "Syria": "SY",
    "Venezuela": "VE",
    "Tanzania": "TZ",
    "Bolivia": "BO",
    "Curacao": "CW",
    "Ivory Coast": "CI",
    "Cote d'Ivoire": "CI",
    "Palestine": "PS",
    "Laos": "LA",
    "Vietnam": "VN",
    "Moldova": "MD",
    "Turkey": "TR",
    "North Korea": "KP",
    "South Korea": "KR",
    "Swaziland": "SZ",
    "Saint Martin": "MF",
    "Ivory Coast (Cote d'Ivoire)": "CI",
    "Macedonia": "MK",
    "Bosnia & Herzegovina": "BA",
    "Cape Verde": "CV",
    "Reunion": "RE",
    "Timor Leste": "TL",
    "Great Britain": "GB",
    "Kyrgyz Republic (Kyrgyzstan)": "KG",
    "Palestinian Territories": "PS",
    "Antigua & Barbuda": "AG",
    "Bonaire/Sint Eustatius/Saba": "BQ",
}
FORMAT = "%A, %B %d, %Y, %I:%M:%S %p"


def alpha_2(name: str) -> str:
    """ISO 3166-1 alpha-2 of an IODA country name; raises LookupError if unknown."""
    text = name.strip()
    if text in NAMES:
        return NAMES[text]
    return str(pycountry.countries.lookup(text).alpha_2)


def flag(text: str) -> str:
    """IODA's "visible by human" column as 1, 0 or empty (unknown)."""
    value = text.strip().lower()
    return "1" if value in ("true", "ture") else "0" if value == "false" else ""


def main(source: Path, out: Path) -> None:
    """Write the fixture; prints what was left out and why."""
    rows, left = [], 0
    with source.open(encoding="utf-8-sig", newline="") as handle:
        records = csv.reader(handle)
        next(records)
        for record in records:
            try:
                begin = datetime.strptime(record[1].strip(), FORMAT).replace(tzinfo=UTC)
                end = datetime.strptime(record[2].strip(), FORMAT).replace(tzinfo=UTC)
                code = alpha_2(record[3])
            except (ValueError, LookupError):
                left += 1
                continue
            if end <= begin:
                left += 1
                continue
            offset = utc_offset_hours(code, int(begin.timestamp()))
            scope = record[7].strip().split(" ")[0].lower()
            rows.append(
                [
                    record[0].strip(),
                    code,
                    "asn" if scope == "as" else scope,
                    record[10].strip(),
                    begin.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    flag(record[4]),
                    flag(record[5]),
                    flag(record[6]),
                    "" if offset is None else f"{offset:g}",
                ]
            )
    rows.sort(key=lambda r: (r[4], r[0]))
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["id", "country", "scope", "cause", "begin", "end", "bgp", "probe", "telescope", "utc_offset"]
        )
        writer.writerows(rows)
    print(f"{len(rows)} outages written, {left} left out (times or country not readable)", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
