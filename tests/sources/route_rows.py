"""Route streams as rows, one per prefix or RIB entry, in the order bgpdump -m lists them.

Two streams of the same routes can group them differently (a RIS Live message per peer and path,
an MRT UPDATE per record); their rows are equal.
"""

from __future__ import annotations

from collections.abc import Iterable

from netvigil.model.routes import Announce, PeerState, RibEntries, Route, Withdraw

Row = tuple[int, str, str, str, int | None]


class _Rows:
    """A route sink giving (time, peer, kind, prefix, origin) rows; kinds as bgpdump -m names them."""

    def announce(self, route: Announce) -> list[Row]:
        return [(route.time, route.peer, "A", p, route.origin) for p in route.prefixes]

    def withdraw(self, route: Withdraw) -> list[Row]:
        return [(route.time, route.peer, "W", p, None) for p in route.prefixes]

    def peer_state(self, route: PeerState) -> list[Row]:
        return [(route.time, route.peer, "STATE", f"{route.old}|{route.new}", None)]

    def rib_entries(self, route: RibEntries) -> list[Row]:
        return [
            (route.time, peer, "B", route.prefix, origin)
            for peer, origin in zip(route.peers, route.origins, strict=True)
        ]


def rows(routes: Iterable[Route]) -> list[Row]:
    """The rows of a route stream, in its order."""
    sink = _Rows()
    return [row for route in routes for row in route.apply(sink)]


def line_row(line: str, addpath: bool) -> Row:
    """What a ``bgpdump -m`` line says of a route: its row (origin: the path's last AS, if plain)."""
    fields = line.split("|")
    time, kind, peer = int(fields[1].split(".")[0]), fields[2], f"{fields[3]}|{fields[4]}"
    if kind == "STATE":
        return time, peer, kind, f"{fields[5]}|{fields[6]}", None
    path = fields[7 if addpath else 6].split() if kind != "W" else []
    origin = int(path[-1]) if path and path[-1].isdigit() else None
    return time, peer, kind, fields[5], origin


def line_rows(lines: Iterable[str]) -> list[Row]:
    """The rows of ``bgpdump -m`` lines (ADD-PATH lines carry a path id after the prefix)."""
    return [line_row(line, "_AP|" in line.split("|", 1)[0] + "|") for line in lines]
