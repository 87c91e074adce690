"""MRT damage policy: random bytes, records cut short, damaged records, wrong compression suffix."""

from __future__ import annotations

import gzip
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from netvigil.model.errors import InputError
from netvigil.sources.mrt import ParseReport, bgpdump_line, read_elements

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mrt"
UPDATES = FIXTURES / "ris_updates.20160811.1600.gz"
CLI = "from netvigil.cli.main import main; main()"


def records(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each MRT record of an intact stream."""
    out, pos = [], 0
    while pos < len(data):
        length = struct.unpack_from(">I", data, pos + 8)[0]
        out.append((pos, 12 + length))
        pos += 12 + length
    return out


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, check=False)


def test_random_bytes_give_a_clear_error_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "noise.mrt"
    path.write_bytes(random.Random(7).randbytes(5000))
    done = run_cli("mrt", "dump", str(path))
    assert done.returncode == 2
    assert "no MRT record could be read" in done.stderr and "record 0 at byte 0" in done.stderr
    assert done.stdout == ""


def test_a_damaged_record_in_the_middle_is_skipped_counted_and_located(tmp_path: Path) -> None:
    data = bytearray(gzip.decompress(UPDATES.read_bytes()))
    spans = records(bytes(data))
    # The first IPv4 BGP4MP MESSAGE_AS4 record from index 100 on.
    index = next(
        i
        for i, (o, _) in enumerate(spans)
        if i >= 100 and struct.unpack_from(">HH14xH", data, o + 4) == (16, 4, 1)
    )
    offset = spans[index][0]
    # Keep the header, spoil the BGP message length so the UPDATE no longer fits its record.
    struct.pack_into(">H", data, offset + 12 + 20 + 16, 0xFFFF)
    path = tmp_path / "spoiled.mrt"
    path.write_bytes(bytes(data))
    report = ParseReport()
    spoiled = list(read_elements(path, report))
    full = list(read_elements(UPDATES, ParseReport()))
    assert report.damaged == 1 and report.records == len(spans) and not report.truncated
    assert report.damage[0].offset == offset and report.damage[0].record == index
    assert 0 < len(spoiled) < len(full)
    assert {bgpdump_line(e) for e in spoiled} < {bgpdump_line(e) for e in full}
    with pytest.raises(InputError, match=f"record {index} at byte {offset}"):
        list(read_elements(path, ParseReport(), strict=True))


def test_cut_mid_record_keeps_whole_records_and_strict_stops(tmp_path: Path) -> None:
    data = gzip.decompress(UPDATES.read_bytes())
    offset, length = records(data)[500]
    path = tmp_path / "cut.mrt"
    path.write_bytes(data[: offset + length // 2])
    report = ParseReport()
    got = list(read_elements(path, report))
    assert report.records == 500 and report.truncated
    assert report.damage[0].offset == offset
    full = list(read_elements(UPDATES, ParseReport()))
    assert got == full[: len(got)]
    done = run_cli("mrt", "dump", "--strict", str(path))
    assert done.returncode == 2 and f"record 500 at byte {offset}" in done.stderr
    assert len(done.stdout.splitlines()) == len(got)


@pytest.mark.parametrize(
    ("suffix", "says"), [(".bz2", "content is .gz-compressed"), (".mrt", "content is .gz")]
)
def test_wrong_compression_suffix_is_named(tmp_path: Path, suffix: str, says: str) -> None:
    path = tmp_path / f"updates{suffix}"
    path.write_bytes(UPDATES.read_bytes())
    done = run_cli("mrt", "dump", str(path))
    assert done.returncode == 2 and says in done.stderr and str(path) in done.stderr
