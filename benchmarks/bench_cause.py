"""Cause suggestion scored against IODA's hand-checked outage list (issue 14, item 7).

Each outage of the list whose cause is government-ordered, exams, cable cut or power outage is
turned into the event netvigil would show (scope, times, the signals that showed it, the country's
local time; see ``netvigil.detect.cause.CheckedOutage``), its siblings are the list's other outages
of the same country and scope, and ``detect.cause`` suggests a cause. Prints one JSON object per
line: the accuracy per cause, the confusion row of each cause, and the overall accuracy.

Data: tests/fixtures/ground-truth/ioda_causes.csv (derived from IODA's list by
scripts/derive_ioda_causes.py; see tests/fixtures/PROVENANCE.md).
Run: .venv/bin/python benchmarks/bench_cause.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from netvigil.detect.cause import IODA_CAUSES, CheckedOutage, score

LIST = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ground-truth" / "ioda_causes.csv"
GOAL = "a labelled suggestion that names IODA's cause; none rather than a wrong one"


def main() -> None:
    """Score every outage of the four causes and print the figures."""
    with LIST.open(encoding="utf-8", newline="") as handle:
        outages = [CheckedOutage.from_row(row) for row in csv.DictReader(handle)]
    result = score(outages)
    for cause in IODA_CAUSES.values():
        row = result.confusion[cause]
        outages_of = sum(row.values())
        print(
            json.dumps(
                {
                    "figure": "cause_accuracy",
                    "cause": cause,
                    "outages": outages_of,
                    "correct": row.get(cause, 0),
                    "accuracy": round(result.accuracy(cause), 3),
                    "precision": _rounded(result.precision(cause)),
                    "no_suggestion": row.get("none", 0),
                    "goal": GOAL,
                }
            )
        )
    for cause, row in result.confusion.items():
        suggested = dict(sorted(row.items()))
        print(json.dumps({"figure": "cause_confusion", "ioda_cause": cause, "suggested": suggested}))
    overall = {
        "figure": "cause_accuracy_overall",
        "accuracy": round(result.overall(), 3),
        "precision_of_suggestions": round(result.suggested_precision(), 3),
        "goal": GOAL,
    }
    print(json.dumps(overall))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    main()
