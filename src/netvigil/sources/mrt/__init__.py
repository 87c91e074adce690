"""MRT archives (RouteViews, RIPE RIS): a streaming decoder and the ``bgpdump -m`` layout.

Public names: :func:`read_elements`, :func:`iter_elements`, :class:`MrtElement`, :class:`ParseReport`,
:class:`Damage`, :func:`bgpdump_line`. Decoding choices are explained in docs/design/mrt-decoder.md.
"""

from __future__ import annotations

from netvigil.sources.mrt.attributes import Attributes
from netvigil.sources.mrt.bgpdump import bgpdump_line
from netvigil.sources.mrt.decoder import Damage, MrtElement, ParseReport, iter_elements, read_elements

__all__ = [
    "Attributes",
    "Damage",
    "MrtElement",
    "ParseReport",
    "bgpdump_line",
    "iter_elements",
    "read_elements",
]
