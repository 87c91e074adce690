"""`netvigil mrt dump` against Debian bgpdump -m: recorded expected output, and bgpdump live if installed."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from netvigil.sources.mrt import ParseReport, bgpdump_line, dump_text, read_elements, read_routes
from netvigil.sources.mrt.decoder import MrtDecoder, read_records
from netvigil.sources.mrt.writer import attributes
from tests.sources.route_rows import line_rows, rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mrt"
FILES = sorted(p.name for p in FIXTURES.iterdir() if p.is_file() and p.suffix in (".gz", ".bz2"))
CUTS = json.loads((FIXTURES / "cuts.json").read_text())["cuts"]
BGPDUMP = shutil.which("bgpdump")
CLI = "from netvigil.cli.main import main; main()"


def expected_lines(name: str) -> list[str]:
    """bgpdump -m output recorded for a fixture file."""
    with gzip.open(FIXTURES / "expected" / f"{name}.bgpdump-m.txt.gz", "rt") as handle:
        return handle.read().splitlines()


def our_lines(path: Path) -> tuple[list[str], ParseReport]:
    """Our bgpdump -m lines for a file (`mrt dump`'s path, RIB entries in C), with the parse report.

    The element path (every entry decoded in Python) must give the same lines and report; the
    route stream (read in C) the same routes and report as the Python decoder's, saying what the
    lines say.
    """
    report, element_report = ParseReport(), ParseReport()
    lines = b"".join(dump_text(path, report)).decode().splitlines()
    assert lines == [bgpdump_line(e) for e in read_elements(path, element_report)]
    assert report == element_report
    route_report, reference_report = ParseReport(), ParseReport()
    routes = list(read_routes(path, route_report))
    reference = list(read_records(path, reference_report, MrtDecoder().reference_routes))
    assert [(type(r), r) for r in routes] == [(type(r), r) for r in reference]
    assert route_report == reference_report == report
    assert rows(routes) == line_rows(lines)
    return lines, report


def make_cut(cut: dict[str, object], directory: Path) -> Path:
    """Build one damaged file described in cuts.json."""
    source = FIXTURES / str(cut["from"])
    size = int(str(cut["bytes"]))
    target = directory / str(cut["name"])
    if cut["mode"] == "raw":
        target.write_bytes(source.read_bytes()[:size])
    else:
        data = gzip.decompress(source.read_bytes())[:size]
        target.write_bytes(gzip.compress(data, mtime=0) if target.suffix == ".gz" else data)
    return target


def first_seven(lines: list[str]) -> list[str]:
    """The fields the contract pins: type, time, A/W/B, peer ip, peer as, prefix, as path."""
    return ["|".join(line.split("|")[:7]) for line in lines]


@pytest.mark.parametrize("name", FILES)
def test_whole_files_equal_recorded_bgpdump_output(name: str) -> None:
    ours, report = our_lines(FIXTURES / name)
    expected = expected_lines(name)
    assert first_seven(ours) == first_seven(expected)
    assert ours == expected  # the whole line matches too
    assert report.damaged == 0 and report.elements == len(expected)


@pytest.mark.parametrize("cut", CUTS, ids=[c["name"] for c in CUTS])
def test_cut_files_give_the_whole_records_before_the_damage(cut: dict[str, object], tmp_path: Path) -> None:
    path = make_cut(cut, tmp_path)
    ours, report = our_lines(path)
    expected = expected_lines(str(cut["from"]))[: int(str(cut["lines"]))]
    assert ours == expected
    assert report.damaged == 1 and report.truncated
    assert report.damage[0].record == report.records


@pytest.mark.skipif(BGPDUMP is None, reason="Debian bgpdump missing (scripts/system-deps.sh installs it)")
@pytest.mark.parametrize("name", FILES + [c["name"] for c in CUTS])
def test_live_bgpdump_agrees(name: str, tmp_path: Path) -> None:
    cut = next((c for c in CUTS if c["name"] == name), None)
    path = make_cut(cut, tmp_path) if cut else FIXTURES / name
    live = subprocess.run(
        [str(BGPDUMP), "-m", str(path)], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    ours, _ = our_lines(path)
    assert first_seven(ours) == first_seven(live)
    assert ours == live


def test_cli_dump_prints_bgpdump_lines(tmp_path: Path) -> None:
    name = "bgpkit_example_updates_20240914.bz2"
    done = subprocess.run(
        [sys.executable, "-c", CLI, "mrt", "dump", str(FIXTURES / name)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines() == expected_lines(name)


def _nlri(items: list[tuple[int, str]]) -> bytes:
    """ADD-PATH NLRI (RFC 7911): path id, length, prefix bytes."""
    out = b""
    for path_id, prefix in items:
        net, length = prefix.split("/")
        out += struct.pack(">IB", path_id, int(length)) + socket.inet_aton(net)[: (int(length) + 7) // 8]
    return out


def addpath_record() -> bytes:
    """A BGP4MP_MESSAGE_AS4_ADDPATH record (subtype 9) with one withdrawal and two announcements."""
    attrs = attributes([65001, 3356, 9198], "192.0.2.1")
    withdrawn = _nlri([(7, "10.1.2.0/24")])
    update = struct.pack(">H", len(withdrawn)) + withdrawn + struct.pack(">H", len(attrs)) + attrs
    update += _nlri([(1, "2.72.0.0/16"), (2, "2.72.5.0/24")])
    message = b"\xff" * 16 + struct.pack(">HB", 19 + len(update), 2) + update
    peers = socket.inet_aton("192.0.2.1") + socket.inet_aton("192.0.2.2")
    body = struct.pack(">IIHH", 65001, 65000, 0, 1) + peers + message
    return struct.pack(">IHHI", 1641379500, 16, 9, len(body)) + body


# What Debian bgpdump 1.6.2 -m prints for addpath_record().
ADDPATH_EXPECTED = [
    "BGP4MP_AP|1641379500|W|192.0.2.1|65001|10.1.2.0/24|7",
    "BGP4MP_AP|1641379500|A|192.0.2.1|65001|2.72.0.0/16|1|65001 3356 9198|IGP|192.0.2.1|0|0||NAG||",
    "BGP4MP_AP|1641379500|A|192.0.2.1|65001|2.72.5.0/24|2|65001 3356 9198|IGP|192.0.2.1|0|0||NAG||",
]


def test_addpath_updates_print_their_path_ids(tmp_path: Path) -> None:
    path = tmp_path / "addpath.mrt"
    path.write_bytes(addpath_record())
    ours, report = our_lines(path)
    assert ours == ADDPATH_EXPECTED and report.damaged == 0
    if BGPDUMP is not None:
        live = subprocess.run([BGPDUMP, "-m", str(path)], capture_output=True, text=True, check=False)
        assert live.stdout.splitlines() == ADDPATH_EXPECTED
