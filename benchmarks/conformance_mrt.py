"""Conformance table for MRT and RIS Live: every peer file, netvigil's reading beside the peer's.

    python benchmarks/conformance_mrt.py            # stored bgpdump output (tests/fixtures/conformance)
    python benchmarks/conformance_mrt.py --live     # run /usr/bin/bgpdump -m on each file instead

MRT: each file of conformance/mrt through `netvigil mrt dump` (``dump_text``, the CLI's code),
compared line for line with Debian bgpdump 1.6.2's `bgpdump -m`. A file agrees when every line is
identical. Where bgpdump is wrong (docs/design/mrt-decoder.md, "Where netvigil differs from
bgpdump"), the row says so, and the difference is checked to be exactly the documented one, with
netvigil's counts equal to bgpkit-parser's (EXPECTED_counts_from_bgpkit_tests.json) where it has
them. RIS Live: libbgpstream's sample messages against the elements its test expects.

Prints one JSON line per row (suite, case, netvigil, peer, agree, note) and, last, one summary
line per suite ({"suite", "cases", "agree", "differ_documented"}). ``rows()`` is the same table
for the combined conformance command.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from netvigil.sources.mrt import ParseReport, dump_text
from netvigil.sources.ris_live import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "conformance"
MRT = "conformance/mrt"
NOT_MRT = {".md", ".rst", ".json"}
BGPKIT = "bgpkit-parser/ripe/"


@dataclass(frozen=True, slots=True)
class Reading:
    """netvigil's reading of one file: its `mrt dump` lines and the parse report."""

    lines: list[str]
    report: ParseReport


def mrt_files(root: Path = FIXTURES) -> list[Path]:
    """The MRT files of the suite, in a stable order."""
    base = root / "mrt"
    return sorted(p for p in base.rglob("*") if p.is_file() and p.suffix not in NOT_MRT)


def netvigil_reading(path: Path) -> Reading:
    """`netvigil mrt dump` of a file, in process (the CLI's own code path)."""
    report = ParseReport()
    text = b"".join(dump_text(path, report)).decode()
    return Reading(text.splitlines(), report)


def stored_bgpdump(path: Path, root: Path = FIXTURES) -> list[str]:
    """Debian bgpdump's `-m` lines for a file, as stored beside the fixtures."""
    relative = path.relative_to(root / "mrt")
    expected = root / "mrt-expected" / f"{relative}.bgpdump-m.txt.gz"
    return gzip.decompress(expected.read_bytes()).decode().splitlines()


def live_bgpdump(path: Path) -> list[str]:
    """`bgpdump -m` run now on a file (Debian's /usr/bin/bgpdump)."""
    binary = shutil.which("bgpdump")
    if binary is None:
        raise SystemExit("bgpdump is not on PATH (scripts/system-deps.sh installs it)")
    done = subprocess.run([binary, "-m", str(path)], capture_output=True, check=False)
    return done.stdout.decode().splitlines()


def bgpkit_counts(root: Path = FIXTURES) -> dict[str, dict[str, object]]:
    """bgpkit-parser's expected counts per file, keyed by the path under bgpkit-parser/ripe/."""
    data = json.loads((root / "mrt" / BGPKIT / "EXPECTED_counts_from_bgpkit_tests.json").read_text())
    return {key: value for key, value in data.items() if not key.startswith("_")}


def routes(lines: list[str]) -> int:
    """Announcements and withdrawals among `-m` lines (bgpkit-parser's "elements")."""
    return sum(1 for line in lines if line.split("|")[2] in ("A", "W"))


def legacy_withdrawals(ours: Reading, theirs: list[str], expected: dict[str, object]) -> str | None:
    """Legacy type BGP: bgpdump prints the peer's address as each withdrawn prefix.

    ``mrtd_table_line_withdraw`` calls ``inet_ntoa`` twice in one ``printf``; both return its one
    static buffer, so the prefix shows the peer address. Every other byte must be equal, and the
    element count bgpkit-parser's.
    """
    if len(ours.lines) != len(theirs):
        return None
    for mine, peer in zip(ours.lines, theirs, strict=True):
        if mine == peer:
            continue
        a, b = mine.split("|"), peer.split("|")
        same_but_prefix = a[:5] == b[:5] and a[5].split("/")[1] == b[5].split("/")[1]
        if a[2] != "W" or not same_but_prefix or b[5].split("/")[0] != b[3]:
            return None
    if routes(ours.lines) != expected["elements"]:
        return None
    return (
        "bgpdump bug: legacy type BGP withdrawals show the peer address as the prefix (inet_ntoa's "
        f"static buffer); all else identical; {routes(ours.lines):,} elements = bgpkit-parser's"
    )


def resynchronised(ours: Reading, theirs: list[str], expected: dict[str, object]) -> str | None:
    """A damaged legacy file: bgpdump follows a bogus length and loses most of the file.

    netvigil resumes at the next plausible header, as bgpkit-parser does: the same gaps, the same
    elements recovered.
    """
    gaps = [
        [d.offset, d.offset + int(d.reason.rsplit("; ", 1)[1].split()[0])]
        for d in ours.report.damage
        if "bytes skipped" in d.reason
    ]
    if gaps != expected["gap_offsets"] or routes(ours.lines) != expected["elements_recovered"]:
        return None
    return (
        f"bgpdump loses the file after a bogus record length ({len(theirs):,} lines); netvigil "
        f"resumes like bgpkit-parser: gaps {gaps}, {routes(ours.lines):,} elements = bgpkit-parser's"
    )


def addpath_skipped(ours: Reading, theirs: list[str], _expected: dict[str, object]) -> str | None:
    """BIRD's ADD-PATH NLRI under a non-ADD-PATH subtype: bgpdump reads path ids as prefixes.

    It prints the path-id bytes as prefixes (``0.0.0.0/0``, ``::/0``) and, past the family's
    length, what its prefix buffer's overrun leaves. netvigil reports those records as damaged
    (prefix length past 32 / 128) and prints every other line exactly as bgpdump does.
    """
    remaining = iter(theirs)
    in_order = all(any(line == peer for peer in remaining) for line in ours.lines)
    reasons = {d.reason.split(": ", 1)[1].rsplit(" ", 1)[0] for d in ours.report.damage}
    if not in_order or reasons != {"bad NLRI prefix length"}:
        return None
    return (
        f"bgpdump prints ADD-PATH path ids as prefixes ({len(theirs) - len(ours.lines)} lines of "
        f"garbage); netvigil skips the {ours.report.damaged} records as damaged, the rest identical"
    )


Check = Callable[[Reading, list[str], dict[str, object]], str | None]
DOCUMENTED: dict[str, Check] = {
    "bgpkit-parser/ripe/rrc00/1999.09/updates.19990903.1041.gz": legacy_withdrawals,
    "bgpkit-parser/ripe/rrc00/1999.12/updates.19991214.1621.gz": legacy_withdrawals,
    "bgpkit-parser/ripe/rrc00/2000.01/updates.20000102.2014.gz": legacy_withdrawals,
    "bgpkit-parser/ripe/rrc00/2000.03/updates.20000325.0345.gz": resynchronised,
    "mrtparse-samples/bird_bgp": addpath_skipped,
    "mrtparse-samples/bird6_bgp": addpath_skipped,
}
"""The files where bgpdump is wrong, and how the difference is checked to be only that."""

NOTES = {
    "bgpkit-parser/ripe/rrc00/2000.01/bview.20000111.0032.gz": (
        "identical (1 line): the records declare 4 bytes fewer than written, and bgpdump and "
        "netvigil both stop after the first; bgpkit-parser reads its 452,018 entries"
    ),
}


def mrt_row(path: Path, theirs: list[str], root: Path = FIXTURES) -> dict[str, object]:
    """One file's row: netvigil's line count beside bgpdump's, whether they agree, and why not."""
    ours = netvigil_reading(path)
    case = str(path.relative_to(root / "mrt"))
    agree = ours.lines == theirs
    note = NOTES.get(case, "identical" if agree else "")
    documented = False
    if not agree:
        counts = bgpkit_counts(root).get(case.removeprefix(BGPKIT), {})
        check = DOCUMENTED.get(case)
        found = check(ours, theirs, counts) if check else None
        documented = found is not None
        note = found or ""  # an empty note is an undocumented difference (benchmarks/conformance.py)
    return {
        "suite": "mrt",
        "case": case,
        "netvigil": f"{len(ours.lines)} lines, {ours.report.damaged} damaged",
        "peer": f"bgpdump -m: {len(theirs)} lines",
        "agree": agree,
        "documented": documented,
        "note": note,
        "first_difference": "" if agree else first_difference(ours.lines, theirs),
    }


def first_difference(ours: list[str], theirs: list[str]) -> str:
    """Where two listings first part."""
    for number, (mine, peer) in enumerate(zip(ours, theirs, strict=False), start=1):
        if mine != peer:
            return f"line {number}: netvigil {mine!r} / bgpdump {peer!r}"
    return f"{len(ours)} lines against {len(theirs)}"


def ris_live_row(root: Path = FIXTURES) -> dict[str, object]:
    """libbgpstream's RIS Live sample: the elements and the corrupt line its test expects."""
    folder = root / "mrt" / "libbgpstream"
    expected = json.loads((folder / "EXPECTED_from_libbgpstream_tests.json").read_text())["rislive_test"]
    report = ParseReport()
    got = [type(r).__name__ for r in read_jsonl(folder / "ris-live-stream.json", None, report)]
    want = ["Announce" if e.split("|")[1] == "A" else "PeerState" for e in expected["expected_valid_elems"]]
    bad = [d.record for d in report.damage]
    agree = got == want and bad == [expected["n_records"]]
    return {
        "suite": "ris-live",
        "case": "libbgpstream/ris-live-stream.json",
        "netvigil": f"{got}, bad lines {bad}",
        "peer": f"libbgpstream: {want}, last line corrupt",
        "agree": agree,
        "documented": False,
        "note": "UPDATE -> 1 announce, peer down -> IDLE, ris_error/OPEN/NOTIFICATION/KEEPALIVE -> none",
    }


def rows(
    root: Path = FIXTURES, peer: Callable[[Path], list[str]] | None = None
) -> Iterator[dict[str, object]]:
    """The conformance table, row by row (bgpdump's stored output unless ``peer`` gives it)."""
    for path in mrt_files(root):
        yield mrt_row(path, peer(path) if peer else stored_bgpdump(path, root), root)
    yield ris_live_row(root)


def summaries(table: list[dict[str, object]]) -> list[dict[str, object]]:
    """One summary per suite: cases, identical, documented differences."""
    out = []
    for suite in dict.fromkeys(str(r["suite"]) for r in table):
        mine = [r for r in table if r["suite"] == suite]
        out.append({
            "suite": suite,
            "cases": len(mine),
            "agree": sum(1 for r in mine if r["agree"]),
            "differ_documented": sum(1 for r in mine if r["documented"]),
        })
    return out


def main() -> None:
    """Print the table as JSON lines, then the summaries."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="run bgpdump -m now instead of the stored output")
    parser.add_argument("--root", type=Path, default=FIXTURES, help="the conformance folder (holding mrt/)")
    args = parser.parse_args()
    table = []
    for row in rows(args.root, live_bgpdump if args.live else None):
        table.append(row)
        print(json.dumps(row), flush=True)
    for summary in summaries(table):
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
