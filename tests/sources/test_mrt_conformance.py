"""The peers' own MRT and RIS Live files (tests/fixtures/conformance): netvigil reads them as they do.

Every MRT file: `mrt dump` lines identical to Debian bgpdump's stored `-m` output, or different
exactly where docs/design/mrt-decoder.md says bgpdump is wrong (with bgpkit-parser's counts).
The table itself is benchmarks/conformance_mrt.py, imported here so both check the same thing.
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from netvigil.model.errors import InputError
from netvigil.sources.mrt import ParseReport, read_routes, require_records
from netvigil.sources.mrt.writer import attributes, peer_index_record, rib_record

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "tests" / "fixtures" / "conformance"
CLI = "from netvigil.cli.main import main; main()"


def _table() -> ModuleType:
    source = ROOT / "benchmarks" / "conformance_mrt.py"
    spec = importlib.util.spec_from_file_location("conformance_mrt", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


TABLE = _table()
FILES = TABLE.mrt_files(CONFORMANCE)
IDS = [str(p.relative_to(CONFORMANCE / "mrt")) for p in FILES]


def test_every_conformance_file_is_in_the_suite() -> None:
    assert len(FILES) == 36


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_mrt_dump_equals_bgpdump_or_differs_as_documented(path: Path) -> None:
    row = TABLE.mrt_row(path, TABLE.stored_bgpdump(path, CONFORMANCE), CONFORMANCE)
    case = str(path.relative_to(CONFORMANCE / "mrt"))
    if case in TABLE.DOCUMENTED:
        assert not row["agree"] and row["documented"], row["first_difference"]
    else:
        assert row["agree"], row["first_difference"]


@pytest.mark.skipif(shutil.which("bgpdump") is None, reason="Debian bgpdump missing (scripts/system-deps.sh)")
@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_stored_output_is_what_bgpdump_prints_now(path: Path) -> None:
    assert TABLE.live_bgpdump(path) == TABLE.stored_bgpdump(path, CONFORMANCE)


def test_ris_live_samples_read_as_libbgpstream_expects() -> None:
    row = TABLE.ris_live_row(CONFORMANCE)
    assert row["agree"], row


def _rib_file(tmp_path: Path, bad: bytes) -> tuple[Path, int]:
    """A RIB with one peer: a good record, ``bad``, a good record; and the offset of ``bad``."""
    good = rib_record(1_600_000_000, 0, "10.0.0.0/8", [(0, attributes([65001, 65002], "10.0.0.1"))])
    head = peer_index_record(1_600_000_000, [("192.0.2.1", 65001)]) + good
    path = tmp_path / "rib.mrt"
    path.write_bytes(head + bad + good)
    return path, len(head)


def test_a_peer_index_past_the_table_is_damage_at_its_offset(tmp_path: Path) -> None:
    bad = rib_record(1_600_000_000, 1, "11.0.0.0/8", [(5, attributes([65001], "10.0.0.1"))])
    path, offset = _rib_file(tmp_path, bad)
    report = ParseReport()
    got = list(read_routes(path, report))
    assert len(got) == 2 and report.damaged == 1 and report.damage[0].offset == offset
    assert "peer index 5 is not in the peer table (1 peers)" in report.damage[0].reason


def test_a_prefix_longer_than_its_family_is_damage_at_its_offset(tmp_path: Path) -> None:
    block = attributes([65001], "10.0.0.1")
    entry = struct.pack(">HHIH", 1, 0, 1_600_000_000, len(block)) + block
    body = struct.pack(">IB", 2, 40) + bytes(5) + entry
    bad = struct.pack(">IHHI", 1_600_000_000, 13, 2, len(body)) + body
    path, offset = _rib_file(tmp_path, bad)
    report = ParseReport()
    assert len(list(read_routes(path, report))) == 2
    assert report.damaged == 1 and report.damage[0].offset == offset
    assert "prefix length 40 is longer than IPv4 allows (32)" in report.damage[0].reason


def test_a_file_without_an_mrt_record_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "noise.mrt"
    path.write_bytes(bytes(range(256)) * 8)
    report = ParseReport()
    assert list(read_routes(path, report)) == []
    with pytest.raises(InputError, match="no MRT record could be read"):
        require_records(path, report)


@pytest.mark.parametrize("command", [["ingest", "mrt"], ["backfill", "mrt", "--workers", "1"]])
def test_ingest_and_backfill_exit_2_on_a_file_without_records(
    tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETVIGIL_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "noise.mrt"
    path.write_bytes(bytes(range(256)) * 8)
    done = subprocess.run(
        [sys.executable, "-c", CLI, *command, str(path), "--db", str(tmp_path / "s.duckdb")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "no MRT record could be read" in done.stderr and "Traceback" not in done.stderr
