"""Lay a :class:`~netvigil.report.document.Report` out as Markdown or as a self-contained HTML page.

Both show the same sections in the same order: statement, taxonomy and cause, timeline (UTC and
local), affected networks, regions and services, charts, evidence, cost, method notes.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from netvigil.report.browser import HEIGHT_MARK
from netvigil.report.cost import TOP10VPN_SOURCE, millions
from netvigil.report.document import Affected, Report
from netvigil.report.shutdown_order import shutdown_sections
from netvigil.report.zones import utc_text

METHOD = (
    "Each signal is compared with its own ordinary level: a seasonal baseline (same time of day and "
    "week, learned from history with past outages masked out). The level is the lowest value seen, "
    "as % of ordinary. An event needs the fused signals of an entity to fall below the detector's "
    "thresholds; its confidence grows with the number of independent signals that agree. "
    "Statements are generated from scope, kind, level and confidence and are never stronger than "
    "that evidence: 'Metrics show' needs confidence of at least 0.75 from two or more signals. "
    "A cause is only stated when an analyst recorded one; netvigil's own suggestion is marked as such."
)
NO_COST_SYNTHETIC = (
    "No cost estimate: the data are synthetic, so a cost would describe nothing that happened "
    "(ask for one with `netvigil report --cost`)."
)
PaperSize = Literal["a4", "letter"]
PAPER_SIZES: Final[tuple[PaperSize, ...]] = ("a4", "letter")


@dataclass(frozen=True, slots=True)
class Layout:
    """How a report page is laid out: the paper it prints on and where its dashboard is served.

    Without a ``dashboard_url`` the page links nowhere it cannot reach: the event id is plain text.
    """

    paper: PaperSize = "a4"
    dashboard_url: str | None = None


SYNTHETIC_NOTE = (
    "SYNTHETIC DATA: the signals behind this report were generated for a replay or scenario; "
    "no value was measured."
)


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _affected_rows(items: Sequence[Affected]) -> list[list[str]]:
    return [[a.name, a.entity, a.kind, f"{a.level:.1f} %", a.start, a.end] for a in items]


AFFECTED_HEAD = ("name", "entity", "kind", "level", "from", "to")


def sections(report: Report) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, table head, rows) of each tabular section, shared by both renderers."""
    tax = report.taxonomy
    return [
        (
            "Taxonomy",
            ["type", "scope", "networks", "services", "cause"],
            [
                [
                    tax.type,
                    tax.scope,
                    ", ".join(tax.network_kinds) or "all",
                    ", ".join(tax.services) or "—",
                    tax.cause_text,
                ]
            ],
        ),
        (
            f"Timeline (UTC and local time, {report.zone})",
            ["from (UTC)", "from (local)", "to (UTC)", "to (local)", "level", "what"],
            [
                [r.utc, r.local, r.until_utc, r.until_local, f"{r.level:.1f} %", r.note]
                for r in report.timeline
            ],
        ),
        *shutdown_sections(report.shutdown),
        ("Affected networks", list(AFFECTED_HEAD), _affected_rows(report.networks)),
        ("Affected regions", list(AFFECTED_HEAD), _affected_rows(report.regions)),
        ("Affected services", list(AFFECTED_HEAD), _affected_rows(report.services)),
        (
            "Evidence",
            ["name", "entity", "signal", "source", "observations", "confidence"],
            [
                [e.name, e.entity, e.signal, e.source, str(e.observations), f"{e.confidence:.2f}"]
                for e in report.evidence
            ],
        ),
        (
            "Cause annotations",
            ["cause", "by", "when", "source", "note"],
            [
                [a.cause, a.author, utc_text(a.created_at), a.source or "", a.note or ""]
                for a in report.annotations
            ],
        ),
    ]


def cost_lines(report: Report) -> list[str]:
    """The cost section as sentences."""
    cost = report.cost
    if cost is None and report.cost_withheld:
        return [NO_COST_SYNTHETIC]
    if cost is None:
        return ["No cost estimate: the event is not tied to a country with a GDP figure."]
    lines = [
        f"Estimated cost: {millions(cost.central)} (range {millions(cost.low)} – {millions(cost.high)}).",
        f"GDP {cost.gdp_year} per day {millions(cost.gdp_per_day)} "
        f"× internet users {cost.internet_users:.1%} "
        f"× digital dependence {cost.dependence[1]:.0%} "
        f"({cost.dependence[0]:.0%}–{cost.dependence[2]:.0%}) "
        f"× {cost.days:.2f} days × region share {cost.region_share[1]:.2f} × network share "
        f"{cost.network_share:.2f} × service weight {cost.service_weight:.2f} × depth {cost.depth:.2f}.",
        "Sources: World Bank GDP (current US$), ITU internet users via Our World in Data (CC BY 4.0).",
    ]
    if cost.country == "KZ" and cost.gdp_year == 2022:
        lines.append(
            f"For comparison, {TOP10VPN_SOURCE}: this event's central estimate is "
            f"{cost.central / 410.7e6:.0%} of that figure, which also counts the mobile cuts of 4 January "
            "and the regional and service restrictions around the blackout."
        )
    return lines


def markdown(report: Report) -> str:
    """The report as Markdown (charts linked by relative path)."""
    out = [f"# {report.title}", ""]
    if report.synthetic:
        out += [f"> **{SYNTHETIC_NOTE}**", ""]
    out += [
        f"**{report.statement}**",
        "",
        f"Level: {report.event.level:.1f} % of ordinary · confidence "
        f"{report.event.confidence:.2f} · signals: {', '.join(report.event.signals)} · "
        f"event {report.event.id}",
        "",
    ]
    for title, head, rows in sections(report):
        out += [f"## {title}", ""]
        out += _md_table(head, rows) if rows else ["None.", ""]
    out += ["## Charts", ""]
    for chart in report.charts:
        out += [f"![{chart.title}](charts/{chart.png.name}) ([SVG](charts/{chart.svg.name}))", ""]
    out += ["## Cost", "", *[f"{line}  " for line in cost_lines(report)], "", "## Method", "", METHOD, ""]
    out += [f"Generated {utc_text(report.generated_at)} by netvigil."]
    return "\n".join(out) + "\n"


CSS = """
body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1000px;margin:24px auto;color:#222;font-size:13px}
h1{font-size:22px;margin-bottom:4px} h2{font-size:16px;border-bottom:1px solid #ddd;margin-top:22px}
.statement{font-size:17px;font-weight:bold;background:#fdecea;border-left:5px solid #d62728;padding:10px}
.synthetic{background:#fff3cd;padding:6px;font-weight:bold}
table{border-collapse:collapse;width:100%;margin:6px 0}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}
th{background:#f4f4f4} img{max-width:100%} .meta{color:#555}
@media print{h2{break-after:avoid} img,table{break-inside:avoid}}
"""
PAGE_CSS: Final[dict[PaperSize, str]] = {
    "a4": "@page{size:A4;margin:14mm} @media print{body{max-width:none;margin:0}}",
    "letter": "@page{size:letter;margin:0.6in} @media print{body{max-width:none;margin:0}}",
}
HEIGHT_SCRIPT: Final = (
    "<script>addEventListener('load',()=>document.documentElement.setAttribute("
    f"'{HEIGHT_MARK}',String(Math.ceil(document.documentElement.scrollHeight))))</script>"
)
"""Writes the laid-out page's height into the DOM, so a PNG of the whole page can be taken."""


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return "<p>None.</p>"
    cells = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + f"</tr>{cells}</table>"


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _event_ref(event_id: str, layout: Layout) -> str:
    """The event id, linked to its dashboard page when the report knows where that is served."""
    if layout.dashboard_url is None:
        return html.escape(event_id)
    url = f"{layout.dashboard_url.rstrip('/')}/event/{event_id}"
    return f'<a href="{html.escape(url)}">{html.escape(event_id)}</a>'


def html_page(report: Report, layout: Layout | None = None) -> str:
    """The report as one self-contained HTML page (charts embedded), ready to print on ``layout.paper``."""
    layout = layout or Layout()
    e = report.event
    parts = [f"<h1>{html.escape(report.title)}</h1>"]
    if report.synthetic:
        parts.append(f'<p class="synthetic">{html.escape(SYNTHETIC_NOTE)}</p>')
    parts.append(f'<p class="statement">{html.escape(report.statement)}</p>')
    parts.append(
        f'<p class="meta">Level: {e.level:.1f} % of ordinary · confidence {e.confidence:.2f} · signals: '
        f'{html.escape(", ".join(e.signals))} · event {_event_ref(e.id, layout)}</p>'
    )
    for title, head, rows in sections(report):
        parts.append(f"<h2>{html.escape(title)}</h2>{_html_table(head, rows)}")
    parts.append("<h2>Charts</h2>")
    parts += [
        f"<figure>{_image(c.png)}<figcaption>{html.escape(c.title)}</figcaption></figure>"
        for c in report.charts
    ]
    parts.append("<h2>Cost</h2>" + "".join(f"<p>{html.escape(line)}</p>" for line in cost_lines(report)))
    parts.append(f"<h2>Method</h2><p>{html.escape(METHOD)}</p>")
    parts.append(f'<p class="meta">Generated {utc_text(report.generated_at)} by netvigil.</p>')
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(report.title)}</title>"
        f"<style>{CSS}{PAGE_CSS[layout.paper]}</style></head><body>{''.join(parts)}"
        f"{HEIGHT_SCRIPT}</body></html>\n"
    )
