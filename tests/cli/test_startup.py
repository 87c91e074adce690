"""Start-up of the command line: light commands import no heavy library; commands load when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from netvigil.cli.lazy import LazyGroup
from netvigil.cli.main import COMMANDS, app

HEAVY = {"duckdb", "pandas", "fastapi", "matplotlib", "numpy"}
MRT_FILE = Path(__file__).parents[1] / "fixtures" / "mrt" / "bgpkit_example_updates_20240914.bz2"


def imported_modules(*args: str) -> set[str]:
    """The modules a ``netvigil ARGS`` run imports, read from ``python -X importtime``."""
    code = f"import sys; sys.argv = ['netvigil', *{list(args)!r}]; from netvigil.cli.main import main; main()"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


@pytest.mark.parametrize(
    "args",
    [("mrt", "--help"), ("mrt", "dump", str(MRT_FILE)), ("--help",)],
    ids=["mrt --help", "mrt dump FILE", "--help"],
)
def test_light_commands_import_no_heavy_library(args: tuple[str, ...]) -> None:
    modules = imported_modules(*args)
    assert {m.split(".")[0] for m in modules} & HEAVY == set()
    assert "netvigil.store" not in modules and "netvigil.pipeline" not in modules


def test_top_level_help_imports_no_command_module() -> None:
    modules = imported_modules("--help")
    assert {m for m in modules if m.startswith("netvigil.cli.")} == {"netvigil.cli.main", "netvigil.cli.lazy"}


def test_declared_help_lists_commands_as_the_loaded_commands_do(capsys: pytest.CaptureFixture[str]) -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    ctx = typer.Context(group, info_name="netvigil")
    assert group.list_commands(ctx) == list(COMMANDS)
    group.get_help(ctx)
    declared = capsys.readouterr().out
    for name in COMMANDS:
        assert group.get_command(ctx, name) is not None, name
    group.get_help(ctx)
    assert capsys.readouterr().out == declared
    assert "mrt" in declared and "demo" in declared


def test_unknown_command_is_none_and_suggested() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    assert group.get_command(typer.Context(group), "nosuch") is None
    result = CliRunner().invoke(app, ["mr"])
    assert result.exit_code == 2 and "mrt" in result.output
