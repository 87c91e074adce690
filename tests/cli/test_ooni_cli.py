"""``netvigil ooni import`` and ``classify`` on real files, including malformed lines and gzip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from netvigil.cli.main import app
from netvigil.pipeline.measurements import search_measurements
from netvigil.store import open_store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ooni" / "ooni_backend_fastpath_fixtures.jsonl"
runner = CliRunner()


def _with_bad_lines(tmp_path: Path) -> Path:
    lines = FIXTURE.read_bytes().splitlines()
    bad = [*lines[:3], b"{not json", *lines[3:6], b'{"test_name": "x"}', *lines[6:]]
    path = tmp_path / "mixed.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(bad) + b"\n"))
    return path


def test_import_skips_bad_lines_by_number_and_imports_the_rest(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    path = _with_bad_lines(tmp_path)
    result = runner.invoke(app, ["ooni", "import", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "11 measurements, 11 new" in result.output
    assert "2 malformed" in result.output
    assert f"{path}:4: not valid JSON" in result.output
    assert f"{path}:8: report_id is missing" in result.output
    again = runner.invoke(app, ["ooni", "import", str(path), "--db", str(db)])
    assert "0 new, 11 already stored" in again.output
    with open_store(db) as store:
        assert len(search_measurements(store, limit=1000)) == 11
        series = {s.entity for s in store.list_series() if s.signal == "reachability"}
    assert "service:whatsapp@country:IE" in series
    assert "service:web@asn:197207" in series


def test_a_file_with_no_measurement_exits_2_after_the_others(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(bytes(range(256)) * 8 + b"\n{not json\n")
    result = runner.invoke(app, ["ooni", "import", str(garbage), str(FIXTURE), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert f"no OONI measurement could be read in {garbage}" in result.output
    assert "11 measurements, 11 new" in result.output


def test_classify_jsonl_one_line_per_measurement() -> None:
    result = runner.invoke(app, ["ooni", "classify", str(FIXTURE)])
    assert result.exit_code == 0
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 11
    iran = next(x for x in lines if x["probe_cc"] == "IR")
    assert (iran["verdict"], iran["blocking_type"]) == ("confirmed", "dns")


def test_classify_wrong_compression_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(FIXTURE.read_bytes()[:1000])
    result = runner.invoke(app, ["ooni", "classify", str(path)])
    assert result.exit_code == 2
