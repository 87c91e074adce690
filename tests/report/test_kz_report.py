"""The Kazakhstan replay's report: HTML, Markdown, charts, the PDF turned into images, exports, CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from netvigil.cli.main import app
from netvigil.model.errors import InputError
from netvigil.model.events import EventFilter
from netvigil.report.exports import read_stop_csv, stop_csv
from netvigil.report.publish import write_demo_report
from netvigil.store import Store, open_store

runner = CliRunner()
STATEMENT = "Metrics show a nation-scale internet blackout in Kazakhstan"


def national_id(store: Store) -> str:
    events = store.read_events(EventFilter(entities=["country:KZ"], scopes=["national"], top_level_only=True))
    assert len(events) == 1
    return events[0].id


@pytest.fixture(scope="module")
def demo_report(kz_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-report")
    db = out / "kz.duckdb"
    db.write_bytes(kz_db.read_bytes())
    with open_store(db) as store:
        page = write_demo_report(store, out)
    return page


def test_demo_report_writes_html_markdown_pdf_and_charts(demo_report: Path) -> None:
    folder = demo_report.parent
    html = demo_report.read_text()
    assert STATEMENT in html and "SYNTHETIC" in html and "Asia/Almaty" in html
    assert "2022-01-05 10:" in html and "(UTC+06:00)" in html
    md = (folder / "kazakhstan-2022.md").read_text()
    assert STATEMENT in md and "## Timeline" in md and "## Cost" in md
    assert "No cost estimate: the data are synthetic" in md and "410.7" not in md  # unless asked
    charts = {p.name for p in (folder / "charts").iterdir()}
    for stem in ("signals", "networks-mobile", "networks-fixed", "regions"):
        assert {f"{stem}.png", f"{stem}.svg"} <= charts
        assert (folder / "charts" / f"{stem}.svg").read_text().lstrip().startswith("<?xml")


def test_pdf_pages_are_not_blank_and_carry_statement_level_and_timeline(demo_report: Path) -> None:
    pdf = demo_report.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(pdf.parent / "page")], check=True)
    pages = sorted(pdf.parent.glob("page-*.png"))
    assert len(pages) >= 2
    for page in pages:
        pixels = np.asarray(Image.open(page).convert("L"), dtype=np.float64)
        assert pixels.std() > 5 and (pixels < 128).mean() > 0.003, f"{page.name} looks blank"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True)
    flat = " ".join(text.stdout.split())
    assert STATEMENT in flat
    level = re.search(r"national connectivity at ([0-9.]+) % of ordinary levels", flat)
    assert level is not None and float(level.group(1)) < 5
    assert f"Level: {level.group(1)} % of ordinary" in flat
    assert "Timeline (UTC and local time, Asia/Almaty)" in flat and "restoration" in flat
    assert "2022-01-05 10:" in flat and "2022-01-05 16:" in flat and "(UTC+06:00)" in flat
    assert "No cost estimate: the data are synthetic" in flat
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout
    assert "(A4)" in info


def test_first_pdf_page_has_the_red_statement_box(demo_report: Path) -> None:
    pdf = demo_report.with_suffix(".pdf")
    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(pdf), str(pdf.parent / "first")],
        check=True,
    )
    rgb = np.asarray(Image.open(next(pdf.parent.glob("first-*.png"))).convert("RGB"), dtype=np.int32)
    red = (rgb[..., 0] > 180) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    assert red.sum() > 50


def test_stop_csv_round_trips(kz_store: Store) -> None:
    events = sorted(kz_store.read_events(EventFilter()), key=lambda e: e.id)
    assert any(e.phases for e in events)
    text = stop_csv(events)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(events)
    national = next(r for r in rows if r["nv_scope"] == "national")
    assert national["country"] == "Kazakhstan" and national["area_name"] == "Nationwide"
    assert national["shutdown_type"] == "Shutdown" and national["affected_network"] == "Broadband, Mobile"
    assert national["start_date"] == "2022-01-05" and national["end_date"] == "2022-01-11"
    assert read_stop_csv(text) == events


def test_stop_csv_bad_row_names_its_line(kz_store: Store) -> None:
    text = stop_csv(kz_store.read_events(EventFilter()))
    lines = text.splitlines()
    lines[2] = lines[2].replace("2022-01-0", "2022-13-0")
    with pytest.raises(InputError) as caught:
        read_stop_csv("\n".join(lines), "events.csv")
    assert caught.value.path == "events.csv" and caught.value.line == 3


def test_cli_annotate_report_cost_and_exports(kz_store: Store, tmp_path: Path) -> None:
    event_id = national_id(kz_store)
    db = str(tmp_path / "kz.duckdb")  # the kz_store fixture's private copy
    kz_store.close()
    source = (
        "https://www.accessnow.org/kazakhstan-internet-shutdowns-protests-almaty-timeline-whats-happening/"
    )
    done = runner.invoke(
        app,
        [
            "event",
            "annotate",
            event_id,
            "--cause",
            "government_directed",
            "--source",
            source,
            "--note",
            "ordered under the Law on Communication",
            "--by",
            "tester",
            "--db",
            db,
        ],
    )
    assert done.exit_code == 0, done.output
    assert runner.invoke(app, ["event", "annotate", event_id, "--cause", "aliens", "--db", db]).exit_code == 2
    assert runner.invoke(app, ["event", "annotate", "nope", "--cause", "unknown", "--db", db]).exit_code == 2
    md = tmp_path / "kz.md"
    done = runner.invoke(
        app,
        [
            "report",
            "--entity",
            "country:KZ",
            "--from",
            "2022-01-04",
            "--until",
            "2022-01-12",
            "-f",
            "md",
            "-o",
            str(md),
            "--db",
            db,
        ],
    )
    assert done.exit_code == 0, done.output
    text = md.read_text()
    assert (
        "| full | national | all | — | government-directed |" in text and "tester" in text and source in text
    )
    done = runner.invoke(app, ["cost", event_id, "--json", "--db", db])
    assert done.exit_code == 0, done.output
    cost = json.loads(done.output)
    assert cost["low"] < 410.7e6 < cost["high"]
    csv_path, ioda_path = tmp_path / "e.csv", tmp_path / "e.json"
    assert runner.invoke(app, ["export", "-f", "stop", "-o", str(csv_path), "--db", db]).exit_code == 0
    national = next(e for e in read_stop_csv(csv_path.read_text()) if e.id == event_id)
    assert national.cause == "government_directed"
    assert (
        runner.invoke(
            app, ["export", "-f", "ioda", "-o", str(ioda_path), "-e", "country:KZ", "--db", db]
        ).exit_code
        == 0
    )
    ioda = json.loads(ioda_path.read_text())
    entries = [d for d in ioda["data"] if d["netvigil_id"] == event_id]
    assert ioda["type"] == "outages/events" and {d["datasource"] for d in entries} >= {"bgp", "ping-slash24"}
    assert entries[0]["location"] == "country/KZ" and entries[0]["duration"] > 5 * 86_400
    assert runner.invoke(app, ["report", "nope", "--db", db]).exit_code == 2


def test_cli_png_report_is_a_picture_of_the_page(kz_store: Store, tmp_path: Path) -> None:
    event_id = national_id(kz_store)
    db = str(tmp_path / "kz.duckdb")  # the kz_store fixture's private copy
    kz_store.close()
    png = tmp_path / "kz.png"
    done = runner.invoke(app, ["report", event_id, "-f", "png", "-o", str(png), "--db", db])
    assert done.exit_code == 0, done.output
    image = Image.open(png)
    assert image.size[0] == 1100 and image.size[1] > 2400  # the whole page, however long
    pixels = np.asarray(image.convert("L"), dtype=np.float64)
    assert pixels.std() > 5 and (pixels[:400] < 128).mean() > 0.003
    assert (pixels[-200:] < 128).mean() > 0.001  # the page's last lines (method, generated) are in it
    assert (tmp_path / "kz.html").exists() and not list(tmp_path.glob("*.part*"))


def test_cloudflare_annotations_and_a_store_never_annotated(kz_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    db.write_bytes(kz_db.read_bytes())
    with open_store(db) as store:
        # DuckDB-specific: make the file look like one made before migration 6
        store.cursor().execute("DROP TABLE annotations")  # type: ignore[attr-defined]
        store.cursor().execute("DELETE FROM schema_version WHERE version = 6")  # type: ignore[attr-defined]
    out = tmp_path / "cf.json"
    done = runner.invoke(
        app, ["export", "-f", "cloudflare", "-o", str(out), "-e", "country:KZ", "--db", str(db)]
    )
    assert done.exit_code == 0, done.output
    annotations = json.loads(out.read_text())["annotations"]
    national = next(a for a in annotations if a["outage"]["outageType"] == "NATIONWIDE")
    assert national["locations"] == ["KZ"] and national["outage"]["outageCause"] == "UNKNOWN"
    assert national["startDate"].startswith("2022-01-05T10:") and 9198 in national["asns"]
    mobile = next(a for a in annotations if a["outage"]["outageType"] == "NETWORK")
    assert mobile["description"].startswith("mobile only")
