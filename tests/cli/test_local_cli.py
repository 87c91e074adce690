"""``netvigil entities add`` and ``netvigil ingest monash``: local entities from the command line."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netvigil.cli.main import app

runner = CliRunner()
BORDER = Path(__file__).parents[1] / "fixtures" / "timeseries" / "monash-ukr-2022-01-18_border-regions.csv"


def test_entities_add_declares_a_place_with_its_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETVIGIL_ENTITIES", str(tmp_path / "entities.csv"))
    added = runner.invoke(app, ["entities", "add", "local:US-LA/calcasieu", "--name", "Calcasieu Parish"])
    assert added.exit_code == 0, added.output
    city = ["local:US-LA/lake-charles", "--name", "Lake Charles", "--parent", "local:US-LA/calcasieu"]
    assert runner.invoke(app, ["entities", "add", *city]).exit_code == 0
    shown = runner.invoke(app, ["entities", "show", "local:US-LA/calcasieu"])
    assert "Calcasieu Parish" in shown.output and "part of region:US-LA" in shown.output
    assert "local:US-LA/lake-charles" in shown.output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["local:US-LA/x", "--parent", "local:US-TX/y"], "another local entity in region:US-LA"),
        (["region:US-LA"], "only local entities"),
        (["local:US-LA/x", "--kind", "wifi"], "kind 'wifi'"),
    ],
)
def test_entities_add_refuses_a_bad_declaration_in_one_line(
    args: list[str], reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETVIGIL_ENTITIES", str(tmp_path / "entities.csv"))
    result = runner.invoke(app, ["entities", "add", *args])
    assert result.exit_code == 2 and reason in result.output and "Traceback" not in result.output
    assert not (tmp_path / "entities.csv").exists()


def test_ingest_monash_writes_a_signal_file_then_detect_finds_nothing(tmp_path: Path) -> None:
    out = tmp_path / "border.csv"
    converted = runner.invoke(app, ["ingest", "monash", str(BORDER), "--out", str(out)])
    assert converted.exit_code == 0 and "3,830 points" in converted.output
    db = str(tmp_path / "b.duckdb")
    assert runner.invoke(app, ["ingest", "monash", str(BORDER), "--db", db]).exit_code == 0
    found = runner.invoke(app, ["detect", "--db", db, "--format", "json"])
    assert found.exit_code == 0 and json.loads(found.output[found.output.index("[") :]) == []
