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
    from matplotlib.figure import Figure

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


def figure(title: str, lines: Sequence[Line], event: Event, synthetic: bool = False) -> Figure:
    """The chart as a matplotlib figure: lines over the event's phases, the legend below the axes.

    The legend sits in the figure's bottom margin and the notes beside the title (constrained
    layout makes room for both), so they never cover the data however the lines run.
    """
    from matplotlib import dates as mdates  # noqa: PLC0415 - heavy, loaded on first chart (see module docstring)
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(figsize=(10, 3.6 + 0.22 * ((len(lines) + 2) // 3)), dpi=110, layout="constrained")
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
        fig.legend(loc="outside lower center", fontsize=7, ncol=min(3, len(lines)), frameon=False)
    note = "times UTC · shaded: event phases · source: netvigil" + (" · SYNTHETIC DATA" if synthetic else "")
    axes.set_title(note, loc="right", fontsize=7, color="#555555")
    return fig


def draw(title: str, lines: Sequence[Line], event: Event, path_stem: Path, synthetic: bool = False) -> Chart:
    """Draw the lines over the event's phases and write ``<stem>.png`` and ``<stem>.svg``."""
    import matplotlib as mpl  # noqa: PLC0415 - heavy, loaded on first chart (see module docstring)

    fig = figure(title, lines, event, synthetic)
    png, svg = path_stem.with_suffix(".png"), path_stem.with_suffix(".svg")
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    with mpl.rc_context({"svg.hashsalt": "netvigil"}):
        fig.savefig(png, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return Chart(title, png, svg)
