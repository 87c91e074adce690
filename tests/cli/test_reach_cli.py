"""``netvigil reach`` input errors: file and line, what was expected, exit code 2, nothing run."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from netvigil.cli.main import app

runner = CliRunner()


def test_bad_url_line_is_reported_with_file_and_line(tmp_path: Path) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("# news\nhttps://tengrinews.kz/\nftp://example.org/\n")
    result = runner.invoke(app, ["reach", "run", "--tests", "web", "--urls", str(urls)])
    assert result.exit_code == 2
    assert f"{urls}:3:" in result.output and "expected an http:// or https:// URL" in result.output


def test_unknown_test_and_missing_urls(tmp_path: Path) -> None:
    result = runner.invoke(app, ["reach", "run", "--tests", "whatsapp,viber"])
    assert result.exit_code == 2 and "unknown test 'viber'" in result.output
    result = runner.invoke(app, ["reach", "run", "--tests", "web"])
    assert result.exit_code == 2 and "needs --urls" in result.output


def test_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "probe.json"
    config.write_text('{"resolver": "9.9.9.9",\n "resolvr": 1}')
    result = runner.invoke(app, ["reach", "run", "--config", str(config)])
    assert result.exit_code == 2 and "unknown setting(s) resolvr" in result.output
    config.write_text('{"resolver": \n')
    result = runner.invoke(app, ["reach", "run", "--config", str(config)])
    assert result.exit_code == 2 and f"{config}:2:" in result.output


def test_tests_lists_the_registry() -> None:
    result = runner.invoke(app, ["reach", "tests"])
    assert result.exit_code == 0
    assert result.output.split() == [
        "facebook_messenger",
        "signal",
        "telegram",
        "web_connectivity",
        "whatsapp",
    ]
