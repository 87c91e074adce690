"""MRT archives (RouteViews, RIPE RIS): a streaming decoder and the ``bgpdump -m`` layout.

Public names: :func:`read_elements`, :func:`iter_elements`, :class:`MrtElement`, :class:`ParseReport`,
:class:`Damage`, :func:`bgpdump_line`, :func:`dump_text`, :func:`read_routes` (the route stream of
:mod:`netvigil.model.routes`), :func:`require_records` (a file with no readable record is an error).
Decoding choices are explained in docs/design/mrt-decoder.md and docs/design/routes.md.
"""

from __future__ import annotations

from netvigil.sources.mrt.attributes import Attributes
from netvigil.sources.mrt.bgpdump import bgpdump_line, dump_text
from netvigil.sources.mrt.decoder import (
    Damage,
    MrtElement,
    ParseReport,
    iter_elements,
    read_elements,
    read_routes,
    require_records,
)

__all__ = [
    "Attributes",
    "Damage",
    "MrtElement",
    "ParseReport",
    "bgpdump_line",
    "dump_text",
    "iter_elements",
    "read_elements",
    "read_routes",
    "require_records",
]
