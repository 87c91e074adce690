"""What a published report promises: no Chromium is no failure, the synthetic flag stays with the
data, evidence has names, links resolve, the paper size is chosen, charts sit beside the report."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netvigil.cli.main import app
from netvigil.model.events import EventFilter
from netvigil.report.browser import ENV_PATH
from netvigil.report.publish import demo_pdf, write_demo_report
from netvigil.report.render import NO_COST_SYNTHETIC, SYNTHETIC_NOTE
from netvigil.store import Store, open_store

runner = CliRunner()


def national_id(store: Store) -> str:
    where = EventFilter(entities=["country:KZ"], scopes=["national"], top_level_only=True)
    (event,) = store.read_events(where)
    return event.id


@pytest.fixture
def kz_copy(kz_store: Store, tmp_path: Path) -> tuple[str, str]:
    """(database path, national event id) of a private copy of the KZ store."""
    event_id = national_id(kz_store)
    kz_store.close()
    return str(tmp_path / "kz.duckdb"), event_id


def test_demo_report_without_chromium_writes_html_and_markdown(
    kz_copy: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = kz_copy
    monkeypatch.setenv(ENV_PATH, str(tmp_path / "no-chromium-here"))
    stale = tmp_path / "out" / "report" / "kazakhstan-2022.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF from an earlier run")
    with open_store(db) as store:
        page = write_demo_report(store, tmp_path / "out")
    assert page.exists() and page.with_suffix(".md").exists() and (page.parent / "charts").is_dir()
    assert demo_pdf(page) is None and not stale.exists()


def test_pdf_without_chromium_is_one_line_saying_how_to_get_it(
    kz_copy: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, event_id = kz_copy
    monkeypatch.setenv(ENV_PATH, "/nonexistent/chromium")
    done = runner.invoke(app, ["report", event_id, "-f", "pdf", "-o", str(tmp_path / "r.pdf"), "--db", db])
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert "need Chromium" in done.stderr and ENV_PATH in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_synthetic_flag_is_kept_with_the_data(kz_copy: tuple[str, str], tmp_path: Path) -> None:
    db, event_id = kz_copy
    first, second, costed = (tmp_path / f"{n}.md" for n in ("first", "second", "costed"))
    base = ["report", event_id, "-f", "md", "--db", db]
    assert runner.invoke(app, [*base, "--synthetic", "-o", str(first)]).exit_code == 0
    assert runner.invoke(app, [*base, "-o", str(second)]).exit_code == 0
    assert runner.invoke(app, [*base, "--cost", "-o", str(costed)]).exit_code == 0
    for text in (first.read_text(), second.read_text()):
        assert SYNTHETIC_NOTE in text and NO_COST_SYNTHETIC.replace("`", "") in text.replace("`", "")
        assert "Estimated cost" not in text
    assert SYNTHETIC_NOTE in costed.read_text() and "Estimated cost: US$" in costed.read_text()


def test_evidence_has_names_and_links_resolve(kz_copy: tuple[str, str], tmp_path: Path) -> None:
    db, event_id = kz_copy
    plain, linked = tmp_path / "plain.html", tmp_path / "linked.html"
    assert runner.invoke(app, ["report", event_id, "-o", str(plain), "--db", db]).exit_code == 0
    url = "http://127.0.0.1:8000"
    done = runner.invoke(app, ["report", event_id, "-o", str(linked), "--dashboard-url", url, "--db", db])
    assert done.exit_code == 0, done.output
    html = plain.read_text()
    assert "<th>name</th><th>entity</th><th>signal</th>" in html
    assert "<td>Kazakhstan</td><td>country:KZ</td>" in html and "<td>Almaty</td><td>region:KZ-75</td>" in html
    assert 'href="' not in html  # nothing that would not resolve from a file
    assert f'<a href="{url}/event/{event_id}">{event_id}</a>' in linked.read_text()


def test_letter_paper_and_default_output_folder(
    kz_copy: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, event_id = kz_copy
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(app, ["report", event_id, "-f", "pdf", "--paper", "letter", "--db", db])
    assert done.exit_code == 0, done.output
    folder = tmp_path / f"report-{event_id}"
    pdf = folder / f"report-{event_id}.pdf"
    assert (folder / "charts" / "signals.svg").exists() and not (tmp_path / "charts").exists()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "612 x 792 pts (letter)" in info
    assert "@page{size:letter" in (folder / f"report-{event_id}.html").read_text()


def test_events_table_shows_ids_and_until_has_its_old_spelling(kz_copy: tuple[str, str]) -> None:
    db, event_id = kz_copy
    until = runner.invoke(app, ["events", "-e", "country:KZ", "--until", "2022-01-06", "--db", db])
    old = runner.invoke(app, ["events", "-e", "country:KZ", "--to", "2022-01-06", "--db", db])
    assert until.exit_code == 0 and old.exit_code == 0, until.output + old.output
    header = next(line for line in until.stdout.splitlines() if " start " in line)
    assert header.split()[1] == "id" and event_id in until.stdout
    assert old.stdout == until.stdout
    later = runner.invoke(app, ["events", "-e", "country:KZ", "--until", "2022-01-05T10:00:00Z", "--db", db])
    assert later.exit_code == 0 and event_id not in later.stdout
