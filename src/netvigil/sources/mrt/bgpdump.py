"""The ``bgpdump -m`` line layout (contract 3.4), so any element can be checked against bgpdump."""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from netvigil.sources.mrt import _fastpath
from netvigil.sources.mrt.attributes import Attributes, remember, rib_next_hop
from netvigil.sources.mrt.decoder import (
    Decoded,
    MrtDecoder,
    MrtElement,
    ParseReport,
    read_records,
    rib_prefix,
)

_V6_TEXT: dict[str, str] = {}
_V4_EMBEDDED_ZEROS: Final = bytes(10)


def bgpdump_ipv6(data: bytes) -> str:
    """A 16-byte IPv6 address as bgpdump writes it (its own ``fmt_ipv6``).

    It differs from RFC 5952 (and ``inet_ntop``) in one way: the longest run of zero groups is
    written ``::`` even when it is a single group (``2001:7f8:30::2:1:0:8447``). IPv4-mapped and
    -compatible addresses end in dotted quads.
    """
    if data[:10] == _V4_EMBEDDED_ZEROS:
        if data[10:12] == b"\xff\xff":
            return "::ffff:" + socket.inet_ntoa(data[12:])
        if data[10:12] == b"\0\0" and int.from_bytes(data[12:], "big") > 1:
            return "::" + socket.inet_ntoa(data[12:])
    groups = struct.unpack(">8H", data)
    start, size, run = -1, 0, 0
    for i in range(7, -1, -1):
        run = run + 1 if groups[i] == 0 else 0
        if run >= size and run:
            start, size = i, run
    text = [f"{g:x}" for g in groups]
    if start < 0:
        return ":".join(text)
    return ":".join(text[:start]) + "::" + ":".join(text[start + size :])


def _address(text: str) -> str:
    """An address of an element (IPv6 in RFC 5952 text) as bgpdump writes it; remembered."""
    if ":" not in text:
        return text
    found = _V6_TEXT.get(text)
    if found is None:
        found = remember(_V6_TEXT, text, bgpdump_ipv6(socket.inet_pton(socket.AF_INET6, text)))
    return found


def _prefix(text: str) -> str:
    """A prefix of an element as bgpdump writes it."""
    if ":" not in text:
        return text
    address, _, length = text.partition("/")
    return f"{_address(address)}/{length}"


def _route_text(attrs: Attributes, next_hop: str, legacy: bool = False) -> str:
    """What follows the prefix of an announcement: AS path, origin, next hop, the rest.

    For the legacy type BGP bgpdump writes the communities straight after the MED, without the
    bar between them (``|0|0|NAG||`` without communities, ``|0|03333:1|NAG||`` with); that is
    copied so the lines stay equal (docs/design/mrt-decoder.md).
    """
    tail = attrs.tail
    if legacy:
        pref, med, rest = tail.split("|", 2)
        tail = f"{pref}|{med}{rest}"
    return f"|{attrs.as_path}|{attrs.origin}|{_address(next_hop)}|{tail}"


def _head(name: str, time: int, usec: int, kind: str, peer_ip: str, peer_as: int) -> str:
    """The fields every line starts with: type, time (with microseconds for _ET), kind, peer."""
    stamp = f"{time}.{usec:06d}" if usec >= 0 else str(time)
    return f"{name}|{stamp}|{kind}|{_address(peer_ip)}|{peer_as}|"


def bgpdump_line(e: MrtElement) -> str:
    """One element as ``bgpdump -m`` prints it (without the newline)."""
    head = _head(e.type, e.time, e.usec, e.kind, e.peer_ip, e.peer_as)
    if e.kind == "STATE":
        return f"{head}{e.old_state}|{e.new_state}"
    prefix = _prefix(e.prefix) if e.path_id is None else f"{_prefix(e.prefix)}|{e.path_id}"
    if e.kind == "W":
        return head + prefix
    return head + prefix + _route_text(e.attrs, e.next_hop, e.type == "BGP")


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
            prefix_text = _prefix(prefix).encode()
            text, count = _fastpath.lines(body, pos, addpath, heads, prefix_text, self._route_text)
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
            heads = [f"{name}|{time}|B|{_address(ip)}|{asn}|".encode() for ip, asn in peers]
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
