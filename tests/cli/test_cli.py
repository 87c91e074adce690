import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from netvigil.cli.main import app

runner = CliRunner()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netvigil.cli", *args], capture_output=True, text=True, check=False
    )


def rows(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as conn:
        found = conn.execute("SELECT count(*) FROM signals").fetchone()
    assert found is not None
    return int(found[0])


def test_help_teaches_every_core_command() -> None:
    out = runner.invoke(app, ["--help"]).output
    for command in ("demo", "ingest", "detect", "events", "scenario", "evaluate", "entities"):
        assert command in out
    assert "Example" in runner.invoke(app, ["ingest", "signals", "--help"]).output


def test_malformed_input_exits_2_with_file_line_and_store_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    good = tmp_path / "good.csv"
    good.write_text("time,entity,signal,value\n2022-01-05T10:30:00Z,country:KZ,probe,1523\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "time,entity,signal,value\n2022-01-05T10:35:00Z,country:KZ,probe,1\n2022-01-05T10:40:00Z,country:KZ,probe,x\n"
    )
    assert run("ingest", "signals", str(good), "--db", str(db)).returncode == 0
    done = run("ingest", "signals", str(bad), "--db", str(db))
    assert done.returncode == 2
    assert f"{bad}:3:" in done.stderr and "not a number" in done.stderr
    assert "Traceback" not in done.stderr
    assert rows(db) == 1


def test_missing_file_and_unknown_scenario_exit_2(tmp_path: Path) -> None:
    assert (
        run("ingest", "signals", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "x.duckdb")).returncode
        == 2
    )
    done = run("scenario", "make", "nonsense", "--out", str(tmp_path))
    assert done.returncode == 2 and "netvigil scenario list" in done.stderr


def test_detect_files_prints_jsonl_events_and_events_lists_them(tmp_path: Path) -> None:
    out = tmp_path / "scen"
    assert run("scenario", "make", "national_blackout-ir-1", "--out", str(out)).returncode == 0
    signals = out / "national_blackout-ir-1" / "signals.csv.gz"
    done = run("detect", str(signals), "--format", "jsonl", "--top-level")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(e["entity"], e["kind"], e["scope"]) for e in events] == [("country:IR", "blackout", "national")]
    assert events[0]["start"].endswith("Z") and events[0]["level"] < 10
    db = tmp_path / "kept.duckdb"
    assert run("detect", str(signals), "--db", str(db), "--format", "json").returncode == 0
    listed = run("events", "--db", str(db), "--scope", "national", "--format", "jsonl")
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [events[0]["id"]]


def test_bad_options_are_input_errors(tmp_path: Path) -> None:
    assert run("detect", "--entity", "KZ", "--db", str(tmp_path / "a.duckdb")).returncode == 2
    done = run("detect", "--set", "nonsense=1", "--db", str(tmp_path / "a.duckdb"))
    assert done.returncode == 2 and "docs/detector.md" in done.stderr
    assert run("events", "--db", str(tmp_path / "missing.duckdb")).returncode == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--workers", "0"], "need at least 1"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "exclude each other"),
        (["--scheduler", "localhost"], "tcp://host:8786"),
    ],
)
def test_bad_cluster_options_are_one_line_errors(tmp_path: Path, options: list[str], message: str) -> None:
    done = run("detect", *options, "--db", str(tmp_path / "a.duckdb"))
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "a.duckdb").exists()


def test_detect_on_two_workers_prints_the_same_events(tmp_path: Path) -> None:
    out = tmp_path / "scen"
    assert run("scenario", "make", "mobile_cut-kz-0", "--out", str(out)).returncode == 0
    signals = str(out / "mobile_cut-kz-0" / "signals.csv.gz")
    alone = run("detect", signals, "--format", "jsonl")
    spread = run("detect", signals, "--format", "jsonl", "--workers", "2")
    assert spread.returncode == 0, spread.stderr
    assert spread.stdout == alone.stdout and alone.stdout


@pytest.mark.parametrize("entity", ["country:KZ", "region:KZ-75", "asn:29355"])
def test_entities_show(entity: str) -> None:
    result = runner.invoke(app, ["entities", "show", entity])
    assert result.exit_code == 0 and entity in result.output


def test_detect_on_a_young_series_says_when_it_becomes_judgeable(tmp_path: Path) -> None:
    lines = ["time,entity,signal,value"]
    times = [f"2022-01-05T{h:02d}:{m:02d}:00Z" for h in range(12) for m in range(0, 60, 5)]
    lines += [f"{time},country:KZ,probe,1000" for time in times]
    signals = tmp_path / "young.csv"
    signals.write_text("\n".join(lines) + "\n")
    table = run("detect", str(signals))
    assert table.returncode == 0, table.stderr
    assert "no events" in table.stdout
    assert "country:KZ/probe: too little history to judge yet" in table.stdout
    assert "judgeable from 2022-01-06T00:00:00Z" in table.stdout
    jsonl = run("detect", str(signals), "--format", "jsonl")
    assert jsonl.stdout == "" and "judgeable from 2022-01-06T00:00:00Z" in jsonl.stderr
