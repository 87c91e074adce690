"""Derive netvigil's economy table (report/data/economy.csv) from the recorded World Bank and OWID files.

Usage: python scripts/derive_economy.py /work/shared/data/economy src/netvigil/report/data/economy.csv
Keeps 2015-2023, countries (ISO3 codes known to pycountry) with a GDP figure; internet share may be empty.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pycountry

FIRST_YEAR, LAST_YEAR = 2015, 2023


def main(src: Path, out: Path) -> None:
    """Join GDP (current US$) and internet users (% of population) by ISO3 code and year."""
    gdp: dict[tuple[str, int], float] = {}
    with (src / "worldbank_gdp_current_usd.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            gdp[(row["Country Code"], int(row["Year"]))] = float(row["Value"])
    users: dict[tuple[str, int], float] = {}
    with (src / "owid_share_individuals_using_internet.csv").open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter=";"):
            if row[1] and row[2].isdigit():
                users[(row[1], int(row[2]))] = float(row[3])
    rows = []
    for (iso3, year), value in sorted(gdp.items()):
        country = pycountry.countries.get(alpha_3=iso3)
        if country is None or not FIRST_YEAR <= year <= LAST_YEAR:
            continue
        share = users.get((iso3, year))
        rows.append([country.alpha_2, iso3, year, f"{value:.0f}", "" if share is None else f"{share:.2f}"])
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["iso2", "iso3", "year", "gdp_usd", "internet_users_pct"])
        writer.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
