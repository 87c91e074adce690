"""Make signal files (contract 3.2) from the Monash IP Observatory's Hurricane Laura county data.

The source holds an hourly connectivity index (0..10) per US county, 2020-08-24 → 08-30 UTC. Each
hour's indices are summed per state (``region:US-LA`` …) and over the four states (``country:US``)
into the signal ``connectivity``; the CSV keeps the source's Unix seconds, the JSON lines use ISO
8601 times. Used to make tests/fixtures/signals/ (from the repo root):

    python tests/tools/monash_to_signals.py \
        /work/shared/data/timeseries/monash-usa-2020-08-31_HurrLaura.csv tests/fixtures/signals
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

from netvigil.model.events import iso

STATES = {"Arkansas": "US-AR", "Louisiana": "US-LA", "Mississippi": "US-MS", "Texas": "US-TX"}
NAME = "monash_hurricane_laura_2020"


def sums(source: Path) -> dict[tuple[int, str], int]:
    """The summed index per (hour, entity)."""
    total: dict[tuple[int, str], int] = defaultdict(int)
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            hour, index = int(row["time_e_utc"]), int(row["connectivity"])
            total[(hour, f"region:{STATES[row['name_1']]}")] += index
            total[(hour, "country:US")] += index
    return total


def main() -> None:
    """Write NAME.csv and NAME.jsonl into the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    rows = sorted(sums(args.source).items())
    with (args.out / f"{NAME}.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["time", "entity", "signal", "value"])
        writer.writerows([hour, entity, "connectivity", value] for (hour, entity), value in rows)
    with (args.out / f"{NAME}.jsonl").open("w", encoding="utf-8") as out:
        for (hour, entity), value in rows:
            point = {"time": iso(hour), "entity": entity, "signal": "connectivity", "value": value}
            out.write(json.dumps(point) + "\n")


if __name__ == "__main__":
    main()
