"""BGP files into the store through the command line: idempotent MRT ingest, damaged files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from netvigil.store import open_store

CLI = "from netvigil.cli.main import main; main()"
MRT = Path(__file__).resolve().parents[1] / "fixtures" / "mrt"
RIB = MRT / "routeviews_rib.20140523.0600_first9073records.mrt.bz2"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, check=False)


def test_ingest_mrt_cli_is_idempotent_and_maps_with_the_operator_table(tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    first = cli("ingest", "mrt", "--full-feed", "5000", str(RIB), "--db", db)
    assert first.returncode == 0 and "bgp:mrt:map=operators+geoip2fast" in first.stdout
    again = cli("ingest", "mrt", "--full-feed", "5000", str(RIB), "--db", db)
    assert again.returncode == 0 and "already ingested" in again.stdout
    with open_store(Path(db)) as store:
        kz = next(store.read_series(["asn:9198"], ["bgp"]))
        assert kz.values[0] > 0  # Kazakhtelecom's routes in the 2014 table are visible
        assert len(store.list_series()) > 1000


def test_ingest_of_a_cut_file_keeps_the_whole_records_and_strict_writes_nothing(tmp_path: Path) -> None:
    cut = tmp_path / "cut.mrt.bz2"
    cut.write_bytes(RIB.read_bytes()[:500_000])
    db = str(tmp_path / "s.duckdb")
    strict = cli("ingest", "mrt", "--strict", "--full-feed", "1000", str(cut), "--db", db)
    assert strict.returncode == 2 and "--strict stops" in strict.stderr
    with open_store(Path(db)) as store:
        assert store.list_series() == []
    default = cli("ingest", "mrt", "--full-feed", "1000", str(cut), "--db", db)
    assert default.returncode == 0 and "damaged record" in default.stderr and "points" in default.stdout
    with open_store(Path(db)) as store:
        assert store.list_series()
