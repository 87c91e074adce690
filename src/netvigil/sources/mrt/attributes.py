"""BGP path attributes of one route, decoded once per distinct byte string and cached.

Only what netvigil and the ``bgpdump -m`` layout use is kept: AS path (as bgpdump prints it, with
RFC 6793 AS4_PATH merging on 2-byte sessions), origin AS, ORIGIN, NEXT_HOP / MP next hop, LOCAL_PREF,
MED, COMMUNITIES, ATOMIC_AGGREGATE, AGGREGATOR; MP_REACH / MP_UNREACH NLRI come back as prefixes.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, TypeVar

ORIGINS: Final = ("IGP", "EGP", "INCOMPLETE")
AS_TRANS: Final = 23456
NO_ADDRESS: Final = "255.255.255.255"  # bgpdump's INADDR_NONE: the next hop of a route without one
_INCOMPLETE: Final = 2  # what bgpdump prints for a route without ORIGIN
_AS_SET, _AS_SEQUENCE, _CONFED_SEQUENCE, _CONFED_SET = 1, 2, 3, 4
Segments = list[tuple[int, list[int]]]
_WELL_KNOWN_COMMUNITIES: Final = {
    0xFFFFFF01: "no-export",
    0xFFFFFF02: "no-advertise",
    0xFFFFFF03: "local-AS",
}
_CACHE_LIMIT: Final = 200_000
_ZERO: Final = b"\0"
K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class Attributes:
    """The decoded attributes of a route; ``tail`` is what bgpdump prints after the next hop."""

    as_path: str = ""
    origin_as: int | None = None
    origin: str = "INCOMPLETE"
    next_hop: str = NO_ADDRESS
    mp_next_hop: str | None = None
    tail: str = ""
    mp_announced: list[tuple[str, int | None]] = field(default_factory=list)
    mp_withdrawn: list[tuple[str, int | None]] = field(default_factory=list)
    mp_afi: int = 0


@dataclass(slots=True)
class _Raw:
    """Attribute values while decoding, before the bgpdump text is put together."""

    segments: Segments | None = None
    as4_segments: Segments | None = None
    origin: int = _INCOMPLETE
    next_hop: str = NO_ADDRESS
    local_pref: int = 0
    med: int = 0
    communities: str | None = None
    atomic: bool = False
    aggregator: tuple[int, str] | None = None
    as4_aggregator: tuple[int, str] | None = None


EMPTY: Final = Attributes()


def prefix_text(afi: int, data: bytes, length: int) -> str:
    """``a.b.c.d/len`` or ``x::/len`` from the significant bytes of an NLRI prefix."""
    if afi == 2:
        return socket.inet_ntop(socket.AF_INET6, data.ljust(16, _ZERO)) + f"/{length}"
    return socket.inet_ntoa(data.ljust(4, _ZERO)) + f"/{length}"


def checked_prefix(afi: int, data: bytes, length: int) -> str:
    """:func:`prefix_text` of a prefix whose length is not yet known to fit its family.

    Raises ValueError (damage) for a length past 32 (IPv4) or 128 (IPv6), or bytes cut short.
    """
    limit = 128 if afi == 2 else 32
    if length > limit:
        raise ValueError(f"prefix length {length} is longer than IPv{6 if afi == 2 else 4} allows ({limit})")
    if len(data) < (length + 7) >> 3:
        raise ValueError(f"prefix of length {length} cut short by the end of its record")
    return prefix_text(afi, data, length)


Nlri = list[tuple[str, int | None]]


def parse_nlri(afi: int, data: bytes, addpath: bool = False) -> Nlri:
    """Decode a run of NLRI prefixes (RFC 4271 4.3; RFC 7911 path ids first with ADD-PATH).

    Returns (prefix text, path id or None) pairs. A length past the family's (33 for IPv4) is
    damage; a last prefix whose bytes run past the field is dropped (bgpdump keeps the prefixes
    before it and prints them).
    """
    out: Nlri = []
    pos, end = 0, len(data)
    limit = 128 if afi == 2 else 32
    path_id = None
    while pos < end:
        if addpath:
            path_id = int.from_bytes(data[pos : pos + 4], "big")
            pos += 4
        length = data[pos]
        size = (length + 7) >> 3
        if length > limit:
            raise ValueError(f"bad NLRI prefix length {length}")
        if pos + 1 + size > end:
            break  # a prefix cut short by the end of its field is dropped, as bgpdump drops it
        out.append((prefix_text(afi, data[pos + 1 : pos + 1 + size], length), path_id))
        pos += 1 + size
    return out


_STRUCTS: dict[tuple[int, int], struct.Struct] = {}


def _asn_struct(count: int, asn_len: int) -> struct.Struct:
    """A compiled struct for ``count`` ASNs of ``asn_len`` bytes (few distinct, kept)."""
    key = (count, asn_len)
    found = _STRUCTS.get(key)
    if found is None:
        found = _STRUCTS[key] = struct.Struct(f">{count}{'I' if asn_len == 4 else 'H'}")
    return found


def _segments(data: bytes, asn_len: int) -> Segments:
    """AS path segments as (type, ASNs)."""
    out: Segments = []
    pos, end = 0, len(data)
    while pos < end:
        kind, count = data[pos], data[pos + 1]
        stop = pos + 2 + count * asn_len
        if stop > end:
            raise ValueError("AS path segment runs past its attribute")
        body = data[pos + 2 : stop]
        out.append((kind, list(_asn_struct(count, asn_len).unpack(body))))
        pos = stop
    return out


def _count(segments: Segments) -> int:
    """AS path length as RFC 4271 counts it: a set counts one."""
    return sum(1 if kind in (_AS_SET, _CONFED_SET) else len(asns) for kind, asns in segments)


def _merge_as4(path: Segments, new: Segments) -> Segments:
    """RFC 6793 section 4.2.3, the way bgpdump does it: leading AS_PATH ASes, then AS4_PATH."""
    keep = _count(path) - _count(new)
    merged: Segments = []
    taken = 0
    for kind, asns in path:
        if taken >= keep:
            break
        if kind in (_AS_SET, _CONFED_SET):
            merged.append((kind, asns))
            taken += 1
        else:
            part = asns[: keep - taken]
            merged.append((kind, part))
            taken += len(part)
    return merged + new


def _path_text(segments: Segments) -> str:
    """AS path as bgpdump prints it: sequences spaced, sets in braces, confederations bracketed."""
    parts: list[str] = []
    for kind, asns in segments:
        if kind == _AS_SEQUENCE:
            parts.extend(map(str, asns))
        elif kind == _AS_SET:
            parts.append("{" + ",".join(map(str, asns)) + "}")
        elif kind == _CONFED_SEQUENCE:
            parts.append("(" + " ".join(map(str, asns)) + ")")
        elif kind == _CONFED_SET:
            parts.append("[" + ",".join(map(str, asns)) + "]")
    return " ".join(parts)


def _origin_as(segments: Segments) -> int | None:
    """The last AS of the last AS_SEQUENCE (the originating network), if the path ends in one."""
    if segments and segments[-1][0] == _AS_SEQUENCE and segments[-1][1]:
        return segments[-1][1][-1]
    return None


def _communities(data: bytes) -> str:
    """COMMUNITIES as bgpdump prints them (``a:b`` spaced, three well-known names)."""
    out: list[str] = []
    for i in range(0, len(data) - 3, 4):
        value = int.from_bytes(data[i : i + 4], "big")
        out.append(_WELL_KNOWN_COMMUNITIES.get(value) or f"{value >> 16}:{value & 0xFFFF}")
    return " ".join(out)


def _aggregator(data: bytes, asn_len: int) -> tuple[int, str] | None:
    """AGGREGATOR / AS4_AGGREGATOR: (AS, router address), or None when bgpdump would print none.

    Read as bgpdump reads it: an AS as wide as the session's, then four address bytes, what is
    missing taken as zero; an address of 255.255.255.255 is bgpdump's "no aggregator".
    """
    value = data.ljust(asn_len + 4, _ZERO)
    address = socket.inet_ntoa(value[asn_len : asn_len + 4])
    return None if address == NO_ADDRESS else (int.from_bytes(value[:asn_len], "big"), address)


def _mp_next_hop(data: bytes) -> str:
    """The (global) next-hop address from MP_REACH's next-hop field."""
    if len(data) == 4:
        return socket.inet_ntoa(data)
    if len(data) >= 16:
        return socket.inet_ntop(socket.AF_INET6, data[:16])
    return ""


def _mp_reach(attrs: Attributes, data: bytes, addpath: bool) -> None:
    """MP_REACH_NLRI, full (RFC 4760) or abbreviated to the next hop (RFC 6396 RIB entries).

    Told apart as bgpdump does: the full form starts with an AFI (a zero byte), the abbreviated
    one with the next hop's length.
    """
    if data and data[0]:
        attrs.mp_next_hop = _mp_next_hop(data[1 : 1 + data[0]])
        return
    afi = int.from_bytes(data[0:2], "big")
    hop_len = data[3]
    attrs.mp_afi = afi
    attrs.mp_next_hop = _mp_next_hop(data[4 : 4 + hop_len])
    attrs.mp_announced = parse_nlri(afi, data[5 + hop_len :], addpath)


def _mp_unreach(attrs: Attributes, data: bytes, addpath: bool) -> None:
    """MP_UNREACH_NLRI: withdrawn prefixes of another address family."""
    afi = int.from_bytes(data[0:2], "big")
    attrs.mp_afi = afi
    attrs.mp_withdrawn = parse_nlri(afi, data[3:], addpath)


def _decode_one(
    raw: _Raw, attrs: Attributes, code: int, value: bytes, *, asn_len: int, addpath: bool
) -> None:
    """Apply one attribute (type ``code``) to the values being collected."""
    if code == 1:
        raw.origin = value[0]
    elif code == 2:
        raw.segments = _segments(value, asn_len)
    elif code == 3:
        raw.next_hop = socket.inet_ntoa(value)
    elif code == 4:
        raw.med = int.from_bytes(value, "big")
    elif code == 5:
        raw.local_pref = int.from_bytes(value, "big")
    elif code == 6:
        raw.atomic = True
    elif code == 7:
        raw.aggregator = _aggregator(value, asn_len)
    elif code == 8:
        raw.communities = _communities(value)
    elif code == 14:
        _mp_reach(attrs, value, addpath)
    elif code == 15:
        _mp_unreach(attrs, value, addpath)
    elif code == 17:
        raw.as4_segments = _segments(value, 4)
    elif code == 18:
        raw.as4_aggregator = _aggregator(value, 4)


def _finish(raw: _Raw, attrs: Attributes, asn_len: int) -> None:
    """Merge AS4 attributes on 2-byte sessions and build the bgpdump text."""
    aggregator = raw.aggregator
    segments = raw.segments
    if asn_len == 2:
        if aggregator and raw.as4_aggregator and aggregator[0] == AS_TRANS:
            aggregator = raw.as4_aggregator
        new = raw.as4_segments
        if segments is not None and new is not None and _count(segments) >= _count(new):
            segments = _merge_as4(segments, new)
    if segments is not None:
        attrs.as_path = _path_text(segments)
        attrs.origin_as = _origin_as(segments)
    attrs.origin = _origin_text(raw.origin)
    attrs.next_hop = raw.next_hop
    agg = f"{aggregator[0]} {aggregator[1]}" if aggregator else ""
    attrs.tail = f"{raw.local_pref}|{raw.med}|{raw.communities or ''}|{'AG' if raw.atomic else 'NAG'}|{agg}|"


_FAST_CODES: Final = frozenset({1, 2, 3, 4, 5, 8})


def _walk(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(type code, value start, value end) of each attribute in a block (RFC 4271 4.3)."""
    pos, end = 0, len(data)
    while pos < end:
        flags, code = data[pos], data[pos + 1]
        if flags & 0x10:
            length = (data[pos + 2] << 8) | data[pos + 3]
            pos += 4
        else:
            length = data[pos + 2]
            pos += 3
        if pos + length > end:
            raise ValueError(f"attribute {code} runs past the attribute block")
        yield code, pos, pos + length
        pos += length


def _path_of(
    value: bytes, asn_len: int, paths: dict[tuple[bytes, int], tuple[str, int | None]]
) -> tuple[str, int | None]:
    """AS path text and origin AS of an AS_PATH value, remembered (paths repeat across routes)."""
    key = (value, asn_len)
    found = paths.get(key)
    if found is None:
        count = value[1] if len(value) > 1 else 0
        if count and value[0] == _AS_SEQUENCE and len(value) == 2 + count * asn_len:
            asns = _asn_struct(count, asn_len).unpack_from(value, 2)
            found = remember(paths, key, (" ".join(map(str, asns)), asns[-1]))
        else:
            segments = _segments(value, asn_len)
            found = remember(paths, key, (_path_text(segments), _origin_as(segments)))
    return found


def _fast(
    data: bytes, asn_len: int, paths: dict[tuple[bytes, int], tuple[str, int | None]]
) -> Attributes | None:
    """The common case in one pass (ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF, COMMUNITIES only).

    Returns None when the block holds anything else, for :func:`decode_attributes` to handle.
    """
    origin, local_pref, med = _INCOMPLETE, 0, 0
    as_path, origin_as, next_hop, communities = "", None, NO_ADDRESS, ""
    for code, pos, stop in _walk(data):
        if code not in _FAST_CODES:
            return None
        if code == 2:
            as_path, origin_as = _path_of(data[pos:stop], asn_len, paths)
        elif code == 3:
            next_hop = socket.inet_ntoa(data[pos:stop])
        elif code == 1:
            origin = data[pos]
        elif code == 8:
            communities = _communities(data[pos:stop])
        elif code == 4:
            med = int.from_bytes(data[pos:stop], "big")
        else:
            local_pref = int.from_bytes(data[pos:stop], "big")
    tail = f"{local_pref}|{med}|{communities}|NAG||"
    return Attributes(as_path, origin_as, _origin_text(origin), next_hop, None, tail)


def _origin_text(origin: int) -> str:
    """ORIGIN as bgpdump names it; any value past EGP (or none) is INCOMPLETE."""
    return ORIGINS[origin] if origin < 3 else "INCOMPLETE"


def decode_attributes(
    data: bytes,
    asn_len: int,
    addpath: bool = False,
    paths: dict[tuple[bytes, int], tuple[str, int | None]] | None = None,
) -> Attributes:
    """Decode a path-attribute block (RFC 4271 4.3); raises ValueError/IndexError when malformed."""
    fast = _fast(data, asn_len, paths if paths is not None else {})
    if fast is not None:
        return fast
    raw = _Raw()
    attrs = Attributes()
    for code, start, stop in _walk(data):
        _decode_one(raw, attrs, code, data[start:stop], asn_len=asn_len, addpath=addpath)
    _finish(raw, attrs, asn_len)
    return attrs


def remember(cache: dict[K, V], key: K, value: V) -> V:
    """Store ``value`` under ``key`` and return it; a full cache is emptied first (bounded memory)."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def rib_next_hop(attrs: Attributes) -> str:
    """The next hop of a RIB entry: MP_REACH's when there is one (IPv6 routes), else NEXT_HOP."""
    return attrs.mp_next_hop if attrs.mp_next_hop is not None else attrs.next_hop


class AttributeCache:
    """Decoded attributes by their bytes: RIB dumps repeat the same attribute block many times.

    One table per way of reading a block (2- or 4-byte ASNs, ADD-PATH NLRI); ``rib`` is the table
    of RIB entries (4-byte ASNs, no ADD-PATH NLRI) with ``rib_miss`` to fill it, for the C walk.
    """

    def __init__(self) -> None:
        self._tables: dict[tuple[int, bool], dict[bytes, Attributes]] = {}
        self._paths: dict[tuple[bytes, int], tuple[str, int | None]] = {}
        self.rib = self._table(4, False)

    def _table(self, asn_len: int, addpath: bool) -> dict[bytes, Attributes]:
        return self._tables.setdefault((asn_len, addpath), {})

    def decode(self, data: bytes, asn_len: int, addpath: bool = False) -> Attributes:
        """Decode ``data`` without keeping the result (AS paths are still remembered)."""
        return decode_attributes(data, asn_len, addpath, self._paths)

    def get(self, data: bytes, asn_len: int, addpath: bool = False) -> Attributes:
        """The decoded attributes of ``data`` (decoded on first sight)."""
        table = self._table(asn_len, addpath)
        found = table.get(data)
        if found is None:
            found = remember(table, data, self.decode(data, asn_len, addpath))
        return found

    def rib_miss(self, data: bytes) -> Attributes:
        """Decode a RIB entry's block seen for the first time and keep it in ``rib``."""
        return remember(self.rib, data, self.decode(data, 4))
