"""A report for one scenario of each archetype; the two no-event archetypes give no report."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from netvigil.cli.main import app
from netvigil.model.events import EventFilter
from netvigil.report.document import build_report
from netvigil.report.publish import write_report
from netvigil.store import open_store
from tests.report.conftest import scenario_db

runner = CliRunner()
EXPECTED = {
    "national_blackout-kz-0": (
        "Metrics show a nation-scale internet blackout in Kazakhstan",
        "full",
        "national",
    ),
    "regional_blackout-et-0": (
        "of internet service in Southwest Ethiopia Peoples, Ethiopia",
        "full",
        "regional",
    ),
    "mobile_cut-kz-0": ("of mobile internet in Kazakhstan; mobile connectivity at", "mobile only", "network"),
    "partial_disruption-bd-0": (
        "a nation-scale major disruption to internet connectivity in Bangladesh",
        "full",
        "national",
    ),
    "curfew-uz-0": ("Metrics show a nation-scale internet blackout in Uzbekistan", "full", "national"),
    "power_outage-in-0": ("disruption of internet service in West Bengal, India", "full", "regional"),
    "long_blackout-sy-0": ("Metrics show a nation-scale internet blackout in Syria", "full", "national"),
}

SUGGESTED = {  # the shape suggestion (detect.cause) where the data-centre rules say nothing
    "curfew-uz-0": "curfew",
    "power_outage-in-0": "power_outage",  # a regional cut with a ragged recovery
    "national_blackout-kz-0": "government_directed",  # a sharp national blackout of 8 h or more
    "long_blackout-sy-0": "government_directed",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_archetype_report(name: str, tmp_path: Path) -> None:
    statement, outage_type, scope = EXPECTED[name]
    with open_store(scenario_db(name, tmp_path)) as store:
        events = [e for e in store.read_events(EventFilter()) if e.parent_event is None]
        event = min(events, key=lambda e: (e.level, e.start))
        report = build_report(store, event, tmp_path / "out", now=0, synthetic=True, with_cost=True)
    assert statement in report.statement
    assert (report.taxonomy.type, report.taxonomy.scope) == (outage_type, scope)
    assert report.charts and all(c.png.exists() and c.svg.exists() for c in report.charts)
    assert report.cost is not None and 0 < report.cost.low < report.cost.central < report.cost.high
    html = write_report(report, tmp_path / "out" / "r.html", "html").read_text()
    md = write_report(report, tmp_path / "out" / "r.md", "md").read_text()
    for text in (html, md):
        assert "SYNTHETIC" in text and "Timeline (UTC and local time" in text and "Estimated cost" in text
    suggested = SUGGESTED.get(name)
    if suggested is not None:
        assert report.taxonomy.suggestion is not None and report.taxonomy.suggestion.cause == suggested
        assert "suggested: " in md and "not confirmed" in md
    else:
        assert report.taxonomy.suggestion is None and "| unknown |" in md


@pytest.mark.parametrize("name", ["glitch-pk-0", "holiday-ve-0"])
def test_no_event_archetypes_have_no_report(name: str, tmp_path: Path) -> None:
    db = scenario_db(name, tmp_path)
    done = runner.invoke(
        app,
        [
            "report",
            "--entity",
            f"country:{name.split('-')[1].upper()}",
            "--db",
            str(db),
            "-o",
            str(tmp_path / "r.html"),
        ],
    )
    assert done.exit_code == 2 and "no event" in done.output
    assert not (tmp_path / "r.html").exists()
