"""Streaming MRT decoder (RFC 6396, RFC 8050 ADD-PATH): records in, BGP elements out.

A file is read in blocks, never whole. Each record is decoded on its own, so one damaged record
costs only itself: by default it is skipped, counted and described in the :class:`ParseReport`
(byte offset in the decompressed stream, record index, reason); with ``strict`` the first damage
raises :class:`~netvigil.model.errors.InputError`. A record cut short by the end of the file (or
a broken compressed stream) ends the file: the whole records before it have been yielded.
"""

from __future__ import annotations

import bz2
import socket
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final, NamedTuple, TypeVar

from netvigil.model.errors import InputError
from netvigil.model.routes import PeerKey, PeerState, RibEntries, Route, peer_key, update_routes
from netvigil.sources.mrt import _fastpath
from netvigil.sources.mrt.attributes import (
    EMPTY,
    AttributeCache,
    Attributes,
    checked_prefix,
    parse_nlri,
    rib_next_hop,
)
from netvigil.sources.textfile import open_binary

_HEADER: Final = struct.Struct(">IHHI")
_CHUNK: Final = 1 << 20
MAX_RECORD: Final = 16 << 20
BGP, TABLE_DUMP, TABLE_DUMP_V2, BGP4MP, BGP4MP_ET = 5, 12, 13, 16, 17
# Types RFC 6396 defines that carry no BGP routes: skipped quietly, counted.
_OTHER_TYPES: Final = frozenset({0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 32, 33, 48, 49})
_LEGACY_UPDATE, _LEGACY_STATE_CHANGE = 1, 3  # subtypes of the legacy type BGP (RFC 6396 appendix B)
_ZEBRA_STATE_LENGTH: Final = 8  # a state change without addresses, as old Zebra wrote it
_KEPT_DAMAGE: Final = 100
_MAX_SUBTYPE: Final = 11  # the highest subtype of any route-carrying type (BGP4MP ADD-PATH)
_RESYNC_WINDOW: Final = 86_400  # seconds a resynchronised record may be from the last whole one
_RESYNC_REACH: Final = 1 << 16  # bytes searched for the next record after damage
_MESSAGE_SUBTYPES: Final = frozenset({1, 4, 6, 7, 8, 9, 10, 11})  # BGP4MP(_ET) carrying a BGP message
T = TypeVar("T")
Decoded = tuple[list[T], int] | None


class MrtElement(NamedTuple):
    """One route element, the unit of ``bgpdump -m`` (a RIB entry, an announcement, a withdrawal)."""

    type: str
    time: int
    usec: int
    kind: str
    peer_ip: str
    peer_as: int
    prefix: str
    attrs: Attributes
    next_hop: str
    path_id: int | None = None
    old_state: int = 0
    new_state: int = 0


@dataclass(frozen=True, slots=True)
class Damage:
    """One damaged record: where it starts in the decompressed stream, its index, what was wrong."""

    offset: int
    record: int
    reason: str
    unit: str = "record"  # "line" for line-based files (RIS Live .jsonl): no byte offset then

    def __str__(self) -> str:
        if self.unit == "line":
            return f"line {self.record}: {self.reason}"
        return f"{self.unit} {self.record} at byte {self.offset}: {self.reason}"


@dataclass(slots=True)
class ParseReport:
    """What reading one file gave: records, elements, damaged records (first 100 kept), skipped types."""

    records: int = 0
    elements: int = 0
    damaged: int = 0
    damage: list[Damage] = field(default_factory=list)
    skipped_types: dict[int, int] = field(default_factory=dict)
    truncated: bool = False

    def add(self, damage: Damage) -> None:
        """Count a damaged record, keeping the first ones for the message."""
        self.damaged += 1
        if len(self.damage) < _KEPT_DAMAGE:
            self.damage.append(damage)


def require_records(path: Path | str, report: ParseReport, what: str = "MRT record") -> None:
    """Raise InputError when a file's report says not one record (``what``) could be read in it.

    Random bytes or another format: `mrt dump`, `ingest mrt`, `backfill mrt` and `ingest ris-live`
    all stop there with exit code 2 (an empty file is no error: it has no records and no damage).
    """
    if report.damaged and report.records == 0:
        raise InputError(f"no {what} could be read ({report.damage[0]})", path=str(path))


class _PeerTable:
    """TABLE_DUMP_V2 PEER_INDEX_TABLE: peer index → (address, AS), and → its :func:`peer_key`."""

    def __init__(self) -> None:
        self.peers: list[tuple[str, int]] = []
        self.keys: list[PeerKey] = []


def _ip(data: bytes, v6: bool) -> str:
    """An address in the text form bgpdump prints."""
    return socket.inet_ntop(socket.AF_INET6, data) if v6 else socket.inet_ntoa(data)


def _peer_index(body: bytes, table: _PeerTable) -> None:
    """Decode PEER_INDEX_TABLE (RFC 6396 4.3.1)."""
    name_len = int.from_bytes(body[4:6], "big")
    pos = 6 + name_len
    count = int.from_bytes(body[pos : pos + 2], "big")
    pos += 2
    peers: list[tuple[str, int]] = []
    for _ in range(count):
        kind = body[pos]
        width = 16 if kind & 1 else 4
        asn_len = 4 if kind & 2 else 2
        start = pos + 5
        address = _ip(body[start : start + width], bool(kind & 1))
        pos = start + width + asn_len
        if pos > len(body):
            raise ValueError("peer index table runs past its record")
        peers.append((address, int.from_bytes(body[start + width : pos], "big")))
    table.peers = peers
    table.keys = [peer_key(address, asn) for address, asn in peers]


class RibRecord(NamedTuple):
    """One TABLE_DUMP_V2 RIB record kept whole: its prefix and, per entry, peer index and attributes.

    Consumers that handle a record at once (the visibility signal) skip making an element per entry.
    """

    name: str
    time: int
    prefix: str
    peers: list[tuple[str, int]]
    indices: list[int]
    attrs: list[Attributes]
    path_ids: list[int] | None

    def elements(self) -> list[MrtElement]:
        """The record as elements, one per entry."""
        ids: list[int] | list[None] = self.path_ids or [None] * len(self.indices)
        peers = self.peers
        return [
            MrtElement(self.name, self.time, -1, "B", *peers[i], self.prefix, a, rib_next_hop(a), path_id)
            for i, a, path_id in zip(self.indices, self.attrs, ids, strict=True)
        ]


def rib_prefix(sub: int, body: bytes) -> tuple[str, int, bool]:
    """A RIB record's prefix, the offset of its entry count, and whether entries carry path ids.

    RFC 6396 4.3.2-4.3.4; RFC 8050 for the ADD-PATH subtypes.
    """
    addpath = sub >= 8
    base = sub - 6 if addpath else sub
    if base == 6:
        afi = int.from_bytes(body[4:6], "big")
        pos = 7
    else:
        afi = 2 if base in (4, 5) else 1
        pos = 4
    length = body[pos]
    size = (length + 7) >> 3
    return checked_prefix(afi, body[pos + 1 : pos + 1 + size], length), pos + 1 + size, addpath


def _table_dump(head: tuple[int, int, int], body: bytes, cache: AttributeCache) -> list[MrtElement]:
    """Decode one legacy TABLE_DUMP record (RFC 6396 4.2): one prefix, one peer, 2-byte ASNs."""
    time, sub, _ = head
    v6 = sub == 2
    width = 16 if v6 else 4
    pos = 4 + width
    prefix = checked_prefix(2 if v6 else 1, body[4 : 4 + width], body[pos])
    pos += 6
    peer_ip = _ip(body[pos : pos + width], v6)
    pos += width
    peer_as = int.from_bytes(body[pos : pos + 2], "big")
    alen = int.from_bytes(body[pos + 2 : pos + 4], "big")
    if pos + 4 + alen > len(body):
        raise ValueError("attributes run past the record")
    attrs = cache.get(body[pos + 4 : pos + 4 + alen], 2)
    return [MrtElement("TABLE_DUMP", time, -1, "B", peer_ip, peer_as, prefix, attrs, rib_next_hop(attrs))]


def _bgp4mp_name(et: bool, local: bool, addpath: bool) -> str:
    """The name bgpdump gives a BGP4MP record kind."""
    return "BGP4MP" + ("_ET" if et else "") + ("_LOCAL" if local else "") + ("_AP" if addpath else "")


class Bgp4mpHeader(NamedTuple):
    """What comes before the BGP message of a BGP4MP / BGP4MP_ET record (RFC 6396 4.4)."""

    name: str
    time: int
    usec: int
    sub: int
    peer_ip: str
    peer_as: int
    asn_len: int
    addpath: bool
    pos: int  # where the BGP message (or the state change) starts in the body


def _unwrap_bgp4mp(typ: int, time: int, sub: int, body: bytes) -> tuple[tuple[int, int, int], bytes, bool]:
    """(time, subtype, microseconds), the BGP4MP body, whether ET: BGP4MP_ET puts microseconds first."""
    if typ == BGP4MP_ET:
        return (time, sub, int.from_bytes(body[0:4], "big")), body[4:], True
    return (time, sub, -1), body, False


def _bgp4mp_header(head: tuple[int, int, int], body: bytes, et: bool) -> Bgp4mpHeader:
    """Peer, ASN width and kind of a BGP4MP / BGP4MP_ET record (its body without the ET microseconds)."""
    time, sub, usec = head
    asn_len = 4 if sub in (4, 5, 7, 9, 11) else 2
    afi = int.from_bytes(body[2 * asn_len + 2 : 2 * asn_len + 4], "big")
    v6 = afi == 2
    width = 16 if v6 else 4
    pos = 2 * asn_len + 4
    peer_as = int.from_bytes(body[0:asn_len], "big")
    peer_ip = _ip(body[pos : pos + width], v6)
    name = _bgp4mp_name(et, sub in (6, 7, 10, 11), sub >= 8)
    return Bgp4mpHeader(name, time, usec, sub, peer_ip, peer_as, asn_len, sub >= 8, pos + 2 * width)


def _zebra_state(head: tuple[int, int, int], body: bytes, et: bool) -> MrtElement:
    """A state change Zebra cut to 8 bytes (ASNs and states, no addresses), read as bgpdump reads it.

    The peer address is unknown (0.0.0.0); what a 4-byte-ASN subtype leaves missing is zero.
    """
    time, sub, usec = head
    asn_len = 4 if sub == 5 else 2
    data = body.ljust(2 * asn_len + 4, b"\0")
    old, new = struct.unpack_from(">HH", data, 2 * asn_len)
    peer_as = int.from_bytes(data[:asn_len], "big")
    return MrtElement(_bgp4mp_name(et, False, False), time, usec, "STATE", "0.0.0.0", peer_as, "", EMPTY, "",
                      None, old, new)


def _bgp4mp(head: tuple[int, int, int], body: bytes, et: bool, cache: AttributeCache) -> list[MrtElement]:
    """Decode a BGP4MP / BGP4MP_ET record: a state change or a BGP UPDATE (RFC 6396 4.4)."""
    if head[1] in (0, 5) and len(body) == _ZEBRA_STATE_LENGTH:
        return [_zebra_state(head, body, et)]
    h = _bgp4mp_header(head, body, et)
    if h.sub in (0, 5):
        old, new = struct.unpack_from(">HH", body, h.pos)
        return [
            MrtElement(h.name, h.time, h.usec, "STATE", h.peer_ip, h.peer_as, "", EMPTY, "", None, old, new)
        ]
    if h.sub not in _MESSAGE_SUBTYPES:
        return []
    return _update(body, h, cache)


def _legacy_bgp(time: int, sub: int, body: bytes, cache: AttributeCache) -> list[MrtElement]:
    """Decode a record of the legacy type BGP (5; RFC 6396 appendix B, the RIS files of 1999-2000).

    IPv4 and 2-byte ASNs only. STATE_CHANGE gives a state line; UPDATE its withdrawals and
    announcements (the body is the BGP UPDATE without its header, after source and destination
    peers); OPEN, NOTIFY, KEEPALIVE and the rest carry no routes and give nothing, as in bgpdump.
    """
    peer_as = int.from_bytes(body[0:2], "big")
    peer_ip = socket.inet_ntoa(body[2:6])
    if sub == _LEGACY_STATE_CHANGE:
        old, new = struct.unpack_from(">HH", body, 6)
        return [MrtElement("BGP", time, -1, "STATE", peer_ip, peer_as, "", EMPTY, "", None, old, new)]
    if sub != _LEGACY_UPDATE:
        return []
    wlen = int.from_bytes(body[12:14], "big")
    withdrawn = parse_nlri(1, body[14 : 14 + wlen])
    pos = 14 + wlen
    alen = int.from_bytes(body[pos : pos + 2], "big")
    attrs = cache.get(body[pos + 2 : pos + 2 + alen], 2)
    announced = parse_nlri(1, body[pos + 2 + alen :])
    out = [MrtElement("BGP", time, -1, "W", peer_ip, peer_as, p, EMPTY, "") for p, _ in withdrawn]
    hop = attrs.next_hop
    out.extend(MrtElement("BGP", time, -1, "A", peer_ip, peer_as, p, attrs, hop) for p, _ in announced)
    return out


def _update(body: bytes, h: Bgp4mpHeader, cache: AttributeCache) -> list[MrtElement]:
    """Elements of one BGP message: withdrawals first, then announcements, as bgpdump lists them."""
    pos, asn_len, addpath = h.pos, h.asn_len, h.addpath
    if len(body) < pos + 19:
        raise ValueError("BGP message shorter than its header")
    msg_len = int.from_bytes(body[pos + 16 : pos + 18], "big")
    if body[pos + 18] != 2:
        return []
    end = pos + msg_len
    if msg_len < 23 or end > len(body):
        raise ValueError(f"BGP UPDATE length {msg_len} does not fit the record")
    pos += 19
    wlen = int.from_bytes(body[pos : pos + 2], "big")
    withdrawn = parse_nlri(1, body[pos + 2 : pos + 2 + wlen], addpath)
    pos += 2 + wlen
    alen = int.from_bytes(body[pos : pos + 2], "big")
    if pos + 2 + alen > end:
        raise ValueError("path attributes run past the BGP message")
    attrs = cache.get(body[pos + 2 : pos + 2 + alen], asn_len, addpath)
    announced = parse_nlri(1, body[pos + 2 + alen : end], addpath)
    name, time, usec, peer_ip, peer_as = h.name, h.time, h.usec, h.peer_ip, h.peer_as
    out = [MrtElement(name, time, usec, "W", peer_ip, peer_as, p, EMPTY, "", i) for p, i in withdrawn]
    out.extend(
        MrtElement(name, time, usec, "W", peer_ip, peer_as, p, EMPTY, "", i) for p, i in attrs.mp_withdrawn
    )
    hop = attrs.next_hop
    out.extend(MrtElement(name, time, usec, "A", peer_ip, peer_as, p, attrs, hop, i) for p, i in announced)
    hop = attrs.mp_next_hop or ""
    out.extend(
        MrtElement(name, time, usec, "A", peer_ip, peer_as, p, attrs, hop, i) for p, i in attrs.mp_announced
    )
    return out


def _check_peers(indices: list[int], count: int) -> None:
    """Raise ValueError (damage) when a RIB entry names a peer past the PEER_INDEX_TABLE."""
    if indices and max(indices) >= count:
        raise ValueError(f"peer index {max(indices)} is not in the peer table ({count} peers)")


class MrtDecoder:
    """Decodes records one by one, keeping what spans records (the peer index, the attribute cache)."""

    def __init__(self) -> None:
        self.peers = _PeerTable()
        self.cache = AttributeCache()

    @staticmethod
    def is_rib(typ: int, sub: int) -> bool:
        """Whether a record is a TABLE_DUMP_V2 RIB record (every subtype but the peer index)."""
        return typ == TABLE_DUMP_V2 and sub != 1

    def rib(self, time: int, sub: int, body: bytes) -> RibRecord:
        """Decode a TABLE_DUMP_V2 RIB record; the entries are walked in C (``_fastpath``)."""
        prefix, pos, addpath = rib_prefix(sub, body)
        cache = self.cache
        indices, attrs, path_ids = _fastpath.entries(body, pos, addpath, cache.rib, cache.rib_miss)
        _check_peers(indices, len(self.peers.peers))
        name = "TABLE_DUMP2_AP" if addpath else "TABLE_DUMP2"
        return RibRecord(name, time, prefix, self.peers.peers, indices, attrs, path_ids)

    def rib_entries(self, time: int, sub: int, body: bytes) -> RibEntries:
        """A RIB record's prefix, peers and origin ASes, read in C (``_fastpath.origins``)."""
        prefix, pos, addpath = rib_prefix(sub, body)
        indices, origins, _ = _fastpath.origins(body, pos, addpath, self._origin_as)
        keys = self.peers.keys
        _check_peers(indices, len(keys))
        return RibEntries(time, prefix, [keys[i] for i in indices], origins)

    def _origin_as(self, block: bytes) -> int | None:
        """The origin AS of a RIB entry's block, by the Python decoder (blocks the C walk leaves)."""
        return self.cache.get(block, 4).origin_as

    @staticmethod
    def message(typ: int, sub: int, time: int, body: bytes) -> tuple[Bgp4mpHeader, bytes] | None:
        """Header and body of a BGP4MP / BGP4MP_ET record that carries a BGP message, else None."""
        if typ not in (BGP4MP, BGP4MP_ET) or sub not in _MESSAGE_SUBTYPES:
            return None
        head, inner, et = _unwrap_bgp4mp(typ, time, sub, body)
        return _bgp4mp_header(head, inner, et), inner

    def routes(self, typ: int, sub: int, time: int, body: bytes) -> Decoded[Route]:
        """The route stream of one record (:mod:`netvigil.model.routes`).

        RIB entries and BGP UPDATEs are read in C; what C leaves goes to :meth:`reference_routes`.
        """
        if self.is_rib(typ, sub):
            entries = self.rib_entries(time, sub, body)
            return [entries], len(entries.peers)
        message = self.message(typ, sub, time, body)
        if message is not None:
            h, data = message
            fast = _fastpath.update_routes(data, h.pos, h.asn_len, h.addpath)
            if fast is not None:
                withdrawn, announced, origin = fast
                routes = update_routes(h.time, peer_key(h.peer_ip, h.peer_as), withdrawn, announced, origin)
                return routes, len(withdrawn) + len(announced)
        return self.reference_routes(typ, sub, time, body)

    def reference_routes(self, typ: int, sub: int, time: int, body: bytes) -> Decoded[Route]:
        """The route stream of one record by the Python decoder alone: its elements as routes.

        The reference the C path is held to (tests compare the two on every fixture file).
        """
        found = self.decode(typ, sub, time, body)
        return None if found is None else (element_routes(found), len(found))

    def elements(self, typ: int, sub: int, time: int, body: bytes) -> Decoded[MrtElement]:
        """:meth:`decode` with the element count, for :func:`iter_records`."""
        found = self.decode(typ, sub, time, body)
        return None if found is None else (found, len(found))

    def decode(self, typ: int, sub: int, time: int, body: bytes) -> list[MrtElement] | None:
        """Elements of one record; ``None`` for a type that carries no routes. Raises on damage."""
        if self.is_rib(typ, sub):
            return self.rib(time, sub, body).elements()
        if typ == TABLE_DUMP_V2:
            _peer_index(body, self.peers)
            return []
        if typ in (BGP4MP, BGP4MP_ET):
            return _bgp4mp(*_unwrap_bgp4mp(typ, time, sub, body), self.cache)
        if typ == TABLE_DUMP:
            return _table_dump((time, sub, -1), body, self.cache)
        if typ == BGP:
            return _legacy_bgp(time, sub, body, self.cache)
        return None


def element_routes(elements: list[MrtElement]) -> list[Route]:
    """One record's elements as routes.

    Its RIB entries (one prefix) as one :class:`RibEntries`, a state change as :class:`PeerState`,
    an UPDATE's withdrawals and announcements as one ``Withdraw`` and one ``Announce`` (an UPDATE
    has one path, so one origin).
    """
    if not elements:
        return []
    first = elements[0]
    if first.kind == "B":
        peers = [peer_key(e.peer_ip, e.peer_as) for e in elements]
        return [RibEntries(first.time, first.prefix, peers, [e.attrs.origin_as for e in elements])]
    peer = peer_key(first.peer_ip, first.peer_as)
    if first.kind == "STATE":
        return [PeerState(first.time, peer, first.old_state, first.new_state)]
    withdrawn = [e.prefix for e in elements if e.kind == "W"]
    announced = [e for e in elements if e.kind == "A"]
    origin = announced[0].attrs.origin_as if announced else None
    return update_routes(first.time, peer, withdrawn, [e.prefix for e in announced], origin)


def decompressed_blocks(raw: IO[bytes], errors: list[str]) -> Iterator[bytes]:
    """Blocks of ``raw`` decompressed by its magic bytes (gzip, bzip2 or none), member after member.

    Decompression is driven by hand so that a stream cut short still gives every byte before the
    cut; what went wrong is appended to ``errors``.
    """
    head = raw.read(3)
    if head[:2] == b"\x1f\x8b":
        make: Callable[[], Any] = lambda: zlib.decompressobj(wbits=31)  # noqa: E731
    elif head == b"BZh":
        make = bz2.BZ2Decompressor
    else:
        yield head
        yield from iter(lambda: raw.read(_CHUNK), b"")
        return
    yield from _inflate(head, raw, make, errors)


def _inflate(head: bytes, raw: IO[bytes], make: Callable[[], Any], errors: list[str]) -> Iterator[bytes]:
    """Run decompressors over ``raw`` (one per concatenated member) and yield what they give."""
    engine = make()
    pending = head
    while True:
        if not pending:
            pending = raw.read(_CHUNK)
            if not pending:
                break
        try:
            out = engine.decompress(pending)
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            errors.append(f"the compressed stream is damaged ({exc})")
            return
        pending = b""
        if out:
            yield out
        if engine.eof:
            pending = engine.unused_data
            if not pending and not (pending := raw.read(_CHUNK)):
                return
            engine = make()
    if not engine.eof:
        errors.append("the compressed stream ends before its end marker (file cut short?)")


class _Blocks:
    """A byte stream consumed record by record, with the offset of what has been consumed."""

    def __init__(self, blocks: Iterator[bytes], errors: list[str], tick: Callable[[], None] | None) -> None:
        self.blocks = blocks
        self.errors = errors
        self.buf = b""
        self.pos = 0
        self.base = 0
        self.eof = False
        self.tick = tick

    def want(self, size: int) -> bool:
        """Make ``size`` bytes available from ``pos``; False at the end of the stream."""
        while len(self.buf) - self.pos < size and not self.eof:
            self.base += self.pos
            parts = [self.buf[self.pos :]]
            have = len(parts[0])
            self.pos = 0
            while have < max(size, _CHUNK):
                block = next(self.blocks, b"")
                if not block:
                    self.eof = True
                    break
                parts.append(block)
                have += len(block)
            self.buf = b"".join(parts)
            if self.tick:
                self.tick()
        return len(self.buf) - self.pos >= size


def _header_ok(blocks: _Blocks, at: int, last_time: int) -> tuple[bool, int]:
    """Whether the header ``at`` bytes past ``pos`` looks real, and its record length.

    Real: a known type and subtype, a sane length, a time within a day of the last whole record's.
    """
    time, typ, sub, length = _HEADER.unpack_from(blocks.buf, blocks.pos + at)
    ok = _type_known(typ) and sub <= _MAX_SUBTYPE and length <= MAX_RECORD
    return ok and abs(time - last_time) <= _RESYNC_WINDOW, length


def _next_is_plausible(blocks: _Blocks, at: int, last_time: int, *, chained: bool = True) -> bool:
    """Whether a record could start ``at`` bytes past ``pos`` (or the stream end exactly there).

    ``chained`` asks for the header after it to look real too: two in a row are hard to fake.
    """
    if not blocks.want(at + 12):
        return len(blocks.buf) - blocks.pos == at
    ok, length = _header_ok(blocks, at, last_time)
    return ok and (not chained or _next_is_plausible(blocks, at + 12 + length, last_time, chained=False))


def _resync(blocks: _Blocks, last_time: int) -> int:
    """Move ``pos`` to the next plausible record header within reach; the bytes skipped, 0 if none.

    Old archives hold stray bytes between records (a header cut short, a record's length off by a
    few bytes): bgpkit-parser resumes at the next header, and so does netvigil.
    """
    for at in range(1, _RESYNC_REACH):
        if not blocks.want(at + 12):
            return 0
        if _next_is_plausible(blocks, at, last_time):
            blocks.pos += at
            return at
    return 0


def _type_known(typ: int) -> bool:
    """Whether RFC 6396 defines this record type."""
    return typ in (BGP, TABLE_DUMP, TABLE_DUMP_V2, BGP4MP, BGP4MP_ET) or typ in _OTHER_TYPES


def iter_records(
    blocks_in: Iterator[bytes],
    report: ParseReport,
    decode: Callable[[int, int, int, bytes], Decoded[T]],
    *,
    strict: bool = False,
    name: str = "<stream>",
    tick: Callable[[], None] | None = None,
    errors: list[str] | None = None,
) -> Iterator[T]:
    """Frame an MRT byte stream into records and yield, one by one, the items ``decode`` makes of each.

    ``decode(type, subtype, time, body)`` returns (items, elements they hold), or None for a type
    that carries no routes; damage it raises goes to ``report`` (or, with ``strict``, raises
    InputError). ``errors`` collects what the producer of the blocks found wrong.
    """
    blocks = _Blocks(blocks_in, errors if errors is not None else [], tick)
    index = 0
    last_time: int | None = None  # of the last whole record: resynchronising needs one
    while blocks.want(12):
        offset = blocks.base + blocks.pos
        time, typ, sub, length = _HEADER.unpack_from(blocks.buf, blocks.pos)
        if not _type_known(typ) or length > MAX_RECORD:
            why = f"unknown MRT type {typ}" if not _type_known(typ) else f"implausible record length {length}"
            if not _skip_damage(blocks, report, Damage(offset, index, why), last_time, strict, name):
                return
            continue
        if not blocks.want(12 + length):
            break
        body = blocks.buf[blocks.pos + 12 : blocks.pos + 12 + length]
        record = index
        index = report.records = index + 1
        try:
            decoded = decode(typ, sub, time, body)
        except (ValueError, IndexError, struct.error, OSError) as exc:
            decoded = [], 0
            damage = Damage(offset, record, f"type {typ}/{sub}: {exc}")
            if _record_lost(blocks, report, damage, 12 + length, last_time, strict, name):
                continue
        else:
            last_time = time
        blocks.pos += 12 + length
        if decoded is None:
            report.skipped_types[typ] = report.skipped_types.get(typ, 0) + 1
            decoded = [], 0
        report.elements += decoded[1]
        yield from decoded[0]
    _end_of_stream(blocks, report, index, strict, name)


def iter_elements(
    blocks_in: Iterator[bytes],
    report: ParseReport,
    *,
    strict: bool = False,
    name: str = "<stream>",
    tick: Callable[[], None] | None = None,
    errors: list[str] | None = None,
) -> Iterator[MrtElement]:
    """Yield every element of an MRT byte stream given as blocks; see :func:`iter_records`."""
    decode = MrtDecoder().elements
    return iter_records(blocks_in, report, decode, strict=strict, name=name, tick=tick, errors=errors)


def _skip_damage(
    blocks: _Blocks, report: ParseReport, damage: Damage, last_time: int | None, strict: bool, name: str
) -> bool:
    """A header that cannot be real: resume at the next plausible one (True), or end the file."""
    skipped = _resync(blocks, last_time) if last_time is not None else 0
    if skipped:
        _damage(report, _resumed(damage, skipped), strict, name)
        return True
    why = f"{damage.reason}; cannot find the next record"
    if damage.record == 0:
        why += " (is this an MRT file?)"
    _damage(report, Damage(damage.offset, damage.record, why), strict, name)
    report.truncated = True
    return False


def _record_lost(
    blocks: _Blocks,
    report: ParseReport,
    damage: Damage,
    size: int,
    last_time: int | None,
    strict: bool,
    name: str,
) -> bool:
    """Report a damaged record; True when its length was wrong too and ``pos`` moved to the next record.

    The length is trusted when a plausible header follows the record; otherwise the next header is
    searched for from the record's second byte on.
    """
    if last_time is not None and not _next_is_plausible(blocks, size, last_time):
        skipped = _resync(blocks, last_time)
        if skipped:
            _damage(report, _resumed(damage, skipped), strict, name)
            return True
    _damage(report, damage, strict, name)
    return False


def _resumed(damage: Damage, skipped: int) -> Damage:
    """The damage, saying how many bytes were skipped to the next record."""
    reason = f"{damage.reason}; {skipped} bytes skipped to the next record"
    return Damage(damage.offset, damage.record, reason)


def _end_of_stream(blocks: _Blocks, report: ParseReport, index: int, strict: bool, name: str) -> None:
    """Report bytes left over at the end (a record cut short) or a broken compressed stream."""
    left = len(blocks.buf) - blocks.pos
    offset = blocks.base + blocks.pos
    if left == 0 and not blocks.errors:
        return
    report.truncated = True
    if left >= 12:
        length = _HEADER.unpack_from(blocks.buf, blocks.pos)[3]
        why = f"record cut short: its header says {length} bytes, {left - 12} remain"
    elif left:
        why = f"record cut short: {left} bytes of a 12-byte header remain"
    else:
        why = "no more records"
    if blocks.errors:
        why = f"{blocks.errors[0]}; {why}"
    _damage(report, Damage(offset, index, why), strict, name)


def _damage(report: ParseReport, damage: Damage, strict: bool, name: str) -> None:
    """Record the damage, or stop at it in strict mode."""
    report.add(damage)
    if strict:
        raise InputError(f"{damage} (--strict stops at the first damaged record)", path=name)


def read_records(
    path: Path,
    report: ParseReport,
    decode: Callable[[int, int, int, bytes], Decoded[T]],
    *,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[T]:
    """:func:`iter_records` over a file (plain, .gz or .bz2 by suffix), streamed."""
    _stream, raw = open_binary(path)  # checks the suffix against the content
    errors: list[str] = []

    def tick() -> None:
        if progress is not None:
            progress(raw.tell())

    with raw:
        blocks = decompressed_blocks(raw, errors)
        yield from iter_records(
            blocks, report, decode, strict=strict, name=str(path), tick=tick, errors=errors
        )


def read_elements(
    path: Path,
    report: ParseReport,
    *,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[MrtElement]:
    """Elements of an MRT file (plain, .gz or .bz2 by suffix), streamed; see :func:`iter_records`."""
    return read_records(path, report, MrtDecoder().elements, strict=strict, progress=progress)


def read_routes(
    path: Path,
    report: ParseReport,
    *,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Route]:
    """The route stream of an MRT file (:meth:`MrtDecoder.routes`); damage as in :func:`read_elements`."""
    return read_records(path, report, MrtDecoder().routes, strict=strict, progress=progress)
