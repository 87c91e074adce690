"""Write a report in the format asked for, and the Kazakhstan demo report.

Markdown and HTML are written directly; PDF and PNG go through the HTML page and headless
Chromium. Charts land next to the report in ``charts/``. Files appear whole or not at all.
The demo's report never fails for want of Chromium: it then writes the HTML and Markdown and
says how to get the PDF (:data:`netvigil.report.browser.MISSING`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Final, Literal

from netvigil.model.errors import InputError
from netvigil.model.events import EventFilter
from netvigil.report.browser import find_chromium, print_pdf, screenshot
from netvigil.report.document import Report, build_report
from netvigil.report.render import Layout, html_page, markdown
from netvigil.store.protocol import Store

ReportFormat = Literal["md", "html", "pdf", "png"]
FORMATS: Final[tuple[ReportFormat, ...]] = ("md", "html", "pdf", "png")


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` whole or not at all (through a ``.part`` file)."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def write_report(report: Report, out: Path, fmt: ReportFormat, layout: Layout | None = None) -> Path:
    """Write ``report`` to ``out`` as md, html, pdf or png (laid out by ``layout``); returns the path."""
    if fmt not in FORMATS:
        raise InputError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "md":
        return write_text(out, markdown(report))
    page = out if fmt == "html" else out.with_suffix(".html")
    write_text(page, html_page(report, layout))
    if fmt == "pdf":
        return print_pdf(page, out)
    if fmt == "png":
        return screenshot(page, out)
    return page


def write_demo_report(store: Store, out_dir: Path) -> Path:
    """The Kazakhstan 2022 replay's report (HTML, PDF, Markdown, charts) of its national event.

    Reads the events the replay stored; returns the HTML path. Without Chromium there is no PDF
    (and none left from an earlier run): check :func:`demo_pdf`.
    """
    events = store.read_events(EventFilter(entities=["country:KZ"], scopes=["national"], top_level_only=True))
    if not events:
        raise InputError("no national Kazakhstan event in the store; run the replay (netvigil demo) first")
    event = min(events, key=lambda e: e.start)
    folder = out_dir / "report"
    report = build_report(store, event, folder, now=int(time.time()), synthetic=True)
    write_report(report, folder / "kazakhstan-2022.md", "md")
    page = write_report(report, folder / "kazakhstan-2022.html", "html")
    pdf = page.with_suffix(".pdf")
    if find_chromium() is None:
        pdf.unlink(missing_ok=True)
    else:
        print_pdf(page, pdf)
    return page


def demo_pdf(page: Path) -> Path | None:
    """The PDF written beside the demo's HTML report, if Chromium made one."""
    pdf = page.with_suffix(".pdf")
    return pdf if pdf.exists() else None
