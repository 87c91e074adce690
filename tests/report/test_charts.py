"""Charts: PNG and SVG written, phases drawn, the same data give the same SVG bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from netvigil.model.events import Event, Phase
from netvigil.report.charts import Line, draw

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
