"""The ``bgpdump -m`` line layout (contract 3.4), so any element can be checked against bgpdump."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from netvigil.sources.mrt import _fastpath
from netvigil.sources.mrt.attributes import Attributes, rib_next_hop
from netvigil.sources.mrt.decoder import (
    Decoded,
    MrtDecoder,
    MrtElement,
    ParseReport,
    read_records,
    rib_prefix,
)


def _route_text(attrs: Attributes, next_hop: str) -> str:
    """What follows the prefix of an announcement: AS path, origin, next hop, the rest."""
    return f"|{attrs.as_path}|{attrs.origin}|{next_hop}|{attrs.tail}"


def _head(name: str, time: int, usec: int, kind: str, peer_ip: str, peer_as: int) -> str:
    """The fields every line starts with: type, time (with microseconds for _ET), kind, peer."""
    stamp = f"{time}.{usec:06d}" if usec >= 0 else str(time)
    return f"{name}|{stamp}|{kind}|{peer_ip}|{peer_as}|"


def bgpdump_line(e: MrtElement) -> str:
    """One element as ``bgpdump -m`` prints it (without the newline)."""
    head = _head(e.type, e.time, e.usec, e.kind, e.peer_ip, e.peer_as)
    if e.kind == "STATE":
        return f"{head}{e.old_state}|{e.new_state}"
    prefix = e.prefix if e.path_id is None else f"{e.prefix}|{e.path_id}"
    if e.kind == "W":
        return head + prefix
    return head + prefix + _route_text(e.attrs, e.next_hop)


class DumpDecoder:
    """Records to ``bgpdump -m`` text.

    RIB entries and BGP UPDATEs are read and printed in C (``_fastpath``); what it does not read
    (unusual attributes, damage) goes to the Python decoder.
    """

    def __init__(self) -> None:
        self.decoder = MrtDecoder()
        self._heads: tuple[str, int, list[tuple[str, int]], list[bytes]] | None = None

    def __call__(self, typ: int, sub: int, time: int, body: bytes) -> Decoded[bytes]:
        """The text of one record and its element count; None for a type without routes."""
        if self.decoder.is_rib(typ, sub):
            prefix, pos, addpath = rib_prefix(sub, body)
            heads = self.heads("TABLE_DUMP2_AP" if addpath else "TABLE_DUMP2", time)
            text, count = _fastpath.lines(body, pos, addpath, heads, prefix.encode(), self._route_text)
            return [text], count
        message = self.decoder.message(typ, sub, time, body)
        if message is not None:
            h, data = message
            heads = [_head(h.name, h.time, h.usec, kind, h.peer_ip, h.peer_as).encode() for kind in "WA"]
            fast = _fastpath.update_lines(data, h.pos, h.asn_len, h.addpath, *heads)
            if fast is not None:
                return [fast[0]], fast[1]
        elements = self.decoder.decode(typ, sub, time, body)
        if elements is None:
            return None
        return ["".join(bgpdump_line(e) + "\n" for e in elements).encode()], len(elements)

    def heads(self, name: str, time: int) -> list[bytes]:
        """Line starts per peer index for RIB entries of this kind and time (kept while they last)."""
        peers = self.decoder.peers.peers
        found = self._heads
        if found is None or found[0] != name or found[1] != time or found[2] is not peers:
            heads = [f"{name}|{time}|B|{ip}|{asn}|".encode() for ip, asn in peers]
            found = self._heads = (name, time, peers, heads)
        return found[3]

    def _route_text(self, block: bytes) -> bytes:
        """A RIB entry's text after the prefix, by the Python decoder (blocks the C walk leaves)."""
        attrs = self.decoder.cache.get(block, 4)
        return (_route_text(attrs, rib_next_hop(attrs)) + "\n").encode()


def dump_text(
    path: Path,
    report: ParseReport,
    *,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """A file as ``bgpdump -m`` text, a record's lines at a time; damage goes to ``report``."""
    return read_records(path, report, DumpDecoder(), strict=strict, progress=progress)
