"""Charts of signals as % of ordinary, with the event's phases shaded; written as PNG and SVG.

A bare ``matplotlib.figure.Figure`` draws without a display or pyplot's global state; SVG ids are
salted with a fixed string (in an rc context) so the same data give the same bytes. matplotlib is
imported when the first chart is drawn, not with this module: it takes about a second, and every
``netvigil`` command imports the CLI that can reach this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from netvigil.model.events import Event

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PHASE_COLOURS = {"blackout": "#d62728", "cut again": "#d62728", "escalation": "#d62728"}
RESTORED_COLOUR = "#ff9896"


@dataclass(frozen=True, slots=True)
class Line:
    """One plotted line: a label, Unix times and % of ordinary values."""

    label: str
    times: npt.NDArray[np.int64]
    percent: npt.NDArray[np.float64]
    style: str = "-"


@dataclass(frozen=True, slots=True)
class Chart:
    """A written chart: its title and the PNG and SVG paths."""

    title: str
    png: Path
    svg: Path


def _dates(times: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    return np.array([datetime.fromtimestamp(int(t), UTC) for t in times], dtype=object)


def _shade(axes: Axes, event: Event, end: int) -> None:
    phases = event.phases or ()
    if not phases:
        axes.axvspan(
            _dates(np.array([event.start]))[0],
            _dates(np.array([event.end or end]))[0],
            color=PHASE_COLOURS["blackout"],
            alpha=0.12,
            lw=0,
        )
    for phase in phases:
        colour = PHASE_COLOURS.get(phase.note, RESTORED_COLOUR)
        span = _dates(np.array([phase.start, phase.end or event.end or end]))
        axes.axvspan(span[0], span[1], color=colour, alpha=0.12, lw=0)


def draw(title: str, lines: Sequence[Line], event: Event, path_stem: Path) -> Chart:
    """Draw the lines over the event's phases and write ``<stem>.png`` and ``<stem>.svg``."""
    import matplotlib as mpl  # noqa: PLC0415 - heavy, loaded on first chart (see module docstring)
    from matplotlib import dates as mdates  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(figsize=(10, 3.6), dpi=110)
    axes = fig.add_subplot()
    end = max((int(line.times.max()) for line in lines if len(line.times)), default=event.start)
    _shade(axes, event, end)
    for line in lines:
        axes.plot(_dates(line.times), np.clip(line.percent, 0, 150), line.style, lw=1.2, label=line.label)
    axes.axhline(100, color="#888888", lw=0.8, ls=":")
    axes.set_ylim(0, 150)
    axes.set_ylabel("% of ordinary")
    axes.set_title(title, fontsize=11, loc="left")
    ticks = mdates.DateFormatter("%d %b\n%H:%M", tz=UTC)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(ticks)
    axes.grid(alpha=0.25)
    if lines:
        axes.legend(fontsize=7, loc="lower left", ncol=min(4, len(lines)), framealpha=0.85)
    axes.text(
        1.0,
        -0.22,
        "times UTC · shaded: event phases",
        transform=axes.transAxes,
        ha="right",
        fontsize=7,
        color="#555555",
    )
    fig.tight_layout()
    png, svg = path_stem.with_suffix(".png"), path_stem.with_suffix(".svg")
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    with mpl.rc_context({"svg.hashsalt": "netvigil"}):
        fig.savefig(png, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return Chart(title, png, svg)
