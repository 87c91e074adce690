"""``netvigil probe``: bad input stops before any packet, with FILE:LINE and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netvigil.cli.main import app

runner = CliRunner()
NETVIGIL = str(Path(sys.executable).parent / "netvigil")


def probe(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["probe", "run", "--db", str(tmp_path / "db.duckdb"), *args])
    return result.exit_code, result.output


def test_malformed_hitlist_gives_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("block,addresses,availability\n127.1.2.0/24,127.1.2.1,0.9\n127.1.3.0/24,127.1.3.1,2\n")
    code, output = probe(tmp_path, "--hitlist", str(bad), "--entity", "asn:64500")
    assert code == 2
    assert f"{bad}:3:" in output.replace("\n", "") and "from 0 to 1" in output


def test_target_outside_hitlist_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "hit.csv"
    good.write_text("block,addresses,availability\n127.1.2.0/24,127.1.2.1,0.9\n")
    code, output = probe(tmp_path, "--hitlist", str(good), "--block", "127.1.9.0/24", "--entity", "asn:64500")
    assert code == 2 and "not in the hitlist" in output


def test_loopback_block_without_entity_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "hit.csv"
    good.write_text("block,addresses,availability\n127.1.2.0/24,127.1.2.1,0.9\n")
    code, output = probe(tmp_path, "--hitlist", str(good), "--rounds", "1")
    assert code == 2 and "--entity" in output


def test_opting_out_everything_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "hit.csv"
    good.write_text("block,addresses,availability\n127.1.2.0/24,127.1.2.1,0.9\n")
    opt = tmp_path / "optout.txt"
    opt.write_text("127.0.0.0/8\n")
    code, output = probe(tmp_path, "--hitlist", str(good), "--opt-out", str(opt), "--entity", "asn:1")
    assert code == 2 and "opted out" in output


@pytest.mark.root
@pytest.mark.skipif(os.geteuid() != 0, reason="raw ICMP sockets need root")
def test_build_then_run_on_loopback(tmp_path: Path) -> None:
    hitlist, db = tmp_path / "hit.csv", tmp_path / "db.duckdb"
    built = subprocess.run(
        [NETVIGIL, "probe", "hitlist", "build", "127.4.1.0/24", "--out", str(hitlist), "--rate", "5000",
         "--timeout", "0.3", "--entity", "asn:64500"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    lines = hitlist.read_text().splitlines()
    assert lines[0] == "block,addresses,availability,entity"
    assert lines[1].startswith("127.4.1.0/24,127.4.1.1 127.4.1.2 ") and lines[1].endswith(",1.000,asn:64500")
    ran = subprocess.run(
        [NETVIGIL, "probe", "run", "--hitlist", str(hitlist), "--rounds", "2", "--round-seconds", "0.5",
         "--timeout", "0.3", "--format", "jsonl", "--db", str(db)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    rows = ran.stdout.splitlines()
    assert len(rows) == 2 and '"state": "up"' in rows[0] and '"round": 2' in rows[1]
