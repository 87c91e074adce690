"""Charts: PNG and SVG written, phases drawn, the same data give the same SVG bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from netvigil.model.events import Event, Phase
from netvigil.report.charts import Line, draw, figure

T0 = 1_641_340_800
TIMES = np.arange(T0, T0 + 2 * 86_400, 300, dtype=np.int64)
LEVEL = np.where((TIMES >= T0 + 36_000) & (TIMES < T0 + 72_000), 3.0, 100.0)
EVENT = Event(
    "e",
    "country:KZ",
    "Kazakhstan",
    "blackout",
    "national",
    T0 + 36_000,
    T0 + 72_000,
    3.0,
    ("probe",),
    0.8,
    phases=(
        Phase(T0 + 36_000, T0 + 50_000, 3.0, "blackout"),
        Phase(T0 + 50_000, T0 + 72_000, 30.0, "partial"),
    ),
)


def test_same_data_same_svg_and_a_visible_line(tmp_path: Path) -> None:
    first = draw("KZ", [Line("probe", TIMES, LEVEL)], EVENT, tmp_path / "a")
    second = draw("KZ", [Line("probe", TIMES, LEVEL)], EVENT, tmp_path / "b")
    assert first.svg.read_bytes() == second.svg.read_bytes()
    rgb = np.asarray(Image.open(first.png).convert("RGB"), dtype=np.int32)
    blue = (rgb[..., 2] > 150) & (rgb[..., 0] < 80)
    shaded = (rgb[..., 0] > 240) & (rgb[..., 1] < 235) & (rgb[..., 1] > 200)
    assert blue.sum() > 200 and shaded.sum() > 1000
    different = draw("KZ", [Line("probe", TIMES, LEVEL * 0.5)], EVENT, tmp_path / "c")
    assert different.svg.read_bytes() != first.svg.read_bytes()


def test_the_legend_sits_outside_the_data_however_many_lines() -> None:
    lines = [Line(f"Operator number {i} (AS{1000 + i}) · probe", TIMES, LEVEL) for i in range(9)]
    fig = figure("KZ: per network", lines, EVENT, synthetic=True)
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    (legend,) = fig.legends
    box, data = legend.get_window_extent(renderer), fig.axes[0].get_window_extent(renderer)
    assert not box.overlaps(data) and box.y1 <= data.y0
    assert "SYNTHETIC DATA" in fig.axes[0].get_title(loc="right")
