"""OONI conformance table: each OONI case → netvigil's verdict → OONI's verdict, and whether they agree.

The cases are OONI's own test data (tests/detect/ooni_conformance.py says which and how OONI's
verdict is read): fastpath's unit-test scores, Explorer's recorded answers, probe-cli's
minipipeline cases and 50 QA scenarios, the webconnectivitylte PK case and the spec examples.
A difference that is explained in docs/design/ooni.md counts as ``differ_documented``.

``rows()`` yields one dict per case (keys suite, case, netvigil, peer, agree, note); run as a
script it prints one JSON line per row, then for the QA scenarios a confusion matrix (netvigil's
verdict × the probe's ``blocking``/``accessible``), then one summary line per suite and one for
all: ``{"suite": ..., "cases": N, "agree": M, "differ_documented": K}``.

Run: .venv/bin/python benchmarks/conformance_ooni.py
"""

from __future__ import annotations

import importlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from netvigil.detect.ooni import classify

REPO = Path(__file__).resolve().parents[1]
DOCUMENTED_MARK = "documented: "
GOAL = "netvigil's verdict equals OONI's on every case, or the difference is documented (issue 16)"


def _conformance() -> ModuleType:
    """tests/detect/ooni_conformance.py: the cases and the agreement rule the tests use."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return importlib.import_module("tests.detect.ooni_conformance")


def _label(verdict: str, blocking_type: str | None) -> str:
    return f"{verdict}:{blocking_type}" if blocking_type and verdict in ("anomaly", "confirmed") else verdict


def rows() -> Iterator[dict[str, Any]]:
    """One row per OONI case: suite, case, netvigil, peer, agree, note."""
    cases = _conformance()
    for case in cases.all_cases():
        got = classify(case.measurement)
        agree = cases.agrees(case, got.verdict, got.blocking_type)
        note = got.reason
        if not agree:
            why = cases.DOCUMENTED.get(case.name)
            note = f"{DOCUMENTED_MARK}{why}" if why else f"UNDOCUMENTED difference: {got.reason}"
        yield {
            "suite": case.suite,
            "case": case.name,
            "netvigil": _label(got.verdict, got.blocking_type),
            "peer": _label(case.verdict, case.blocking_type) + (f" ({case.label})" if case.label else ""),
            "agree": agree,
            "note": note,
        }


def qa_confusion_matrix(table: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """netvigil's verdict (rows) × the probe's blocking/accessible (columns) on the QA scenarios."""
    matrix: dict[str, Counter[str]] = {}
    for row in table:
        if row["suite"] == "ooni-qa":
            column = row["peer"].split("(", 1)[1].rstrip(")")
            matrix.setdefault(row["netvigil"], Counter())[column] += 1
    return {ours: dict(sorted(columns.items())) for ours, columns in sorted(matrix.items())}


def summaries(table: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One summary per suite and one for all cases."""
    suites = sorted({row["suite"] for row in table}, key=[r["suite"] for r in table].index)
    for suite in [*suites, "ooni"]:
        picked = [r for r in table if suite == "ooni" or r["suite"] == suite]
        documented = sum(1 for r in picked if not r["agree"] and r["note"].startswith(DOCUMENTED_MARK))
        yield {
            "suite": suite,
            "cases": len(picked),
            "agree": sum(r["agree"] for r in picked),
            "differ_documented": documented,
            "goal": GOAL,
        }


def main() -> None:
    table = list(rows())
    for row in table:
        print(json.dumps(row, ensure_ascii=False))
    print(json.dumps({"suite": "ooni-qa", "confusion_matrix": qa_confusion_matrix(table)}))
    for summary in summaries(table):
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
