"""The conformance table: every peer's file or case, what netvigil says, what the peer says.

One command for every suite (issue 16): MRT files against Debian's ``bgpdump -m`` (or bgpkit's
counts where bgpdump is wrong, documented in docs/design/mrt-decoder.md), and OONI measurements
against OONI's own verdicts (fastpath unit tests, Explorer's recorded answers, probe-cli's
minipipeline and QA cases). The suites live beside this file (``conformance_mrt.py``,
``conformance_ooni.py``), each a ``rows()`` generator of dicts with the keys suite, case, netvigil,
peer, agree and note.

    .venv/bin/python benchmarks/conformance.py            # the table, then one summary per suite
    .venv/bin/python benchmarks/conformance.py --json     # one JSON line per row and per summary
    .venv/bin/python benchmarks/conformance.py --differ   # only the rows that differ

Exit status 1 when a row differs without a documented reason (its note empty), else 0.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

SUITES = ("conformance_mrt", "conformance_ooni")


def all_rows() -> Iterator[dict[str, Any]]:
    """The rows of every suite, in suite order."""
    sys.path.insert(0, str(Path(__file__).parent))
    for name in SUITES:
        yield from importlib.import_module(name).rows()


def summaries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per suite: cases, how many agree, how many differ with a documented reason, how many without."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        total = out.setdefault(
            row["suite"], {"suite": row["suite"], "cases": 0, "agree": 0, "differ_documented": 0, "differ": 0}
        )
        total["cases"] += 1
        if row["agree"]:
            total["agree"] += 1
        elif row.get("note"):
            total["differ_documented"] += 1
        else:
            total["differ"] += 1
    return list(out.values())


def print_table(rows: list[dict[str, Any]], console: Console) -> None:
    """A table people can read: suite, case, netvigil, peer, agreement and the reason for a difference."""
    table = Table("suite", "case", "netvigil", "peer", "", "note", show_lines=False)
    for row in rows:
        mark = "[green]=[/green]" if row["agree"] else "[red]≠[/red]"
        cells = (row["suite"], row["case"], str(row["netvigil"]), str(row["peer"]), mark, row.get("note", ""))
        table.add_row(*cells)
    console.print(table)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    parser.add_argument("--differ", action="store_true", help="show only the rows that differ")
    options = parser.parse_args()
    rows = list(all_rows())
    shown = [r for r in rows if not r["agree"]] if options.differ else rows
    totals = summaries(rows)
    if options.json:
        for item in [*shown, *totals]:
            print(json.dumps(item, default=str))
    else:
        console = Console(width=200)
        print_table(shown, console)
        for total in totals:
            console.print(json.dumps(total))
    return 1 if any(t["differ"] for t in totals) else 0


if __name__ == "__main__":
    sys.exit(main())
