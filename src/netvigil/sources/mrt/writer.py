"""Write MRT (IPv4 unicast): TABLE_DUMP_V2 RIB snapshots and BGP4MP updates, for scenarios and replays.

The records are the ones real collectors write: a PEER_INDEX_TABLE, then one RIB_IPV4_UNICAST
record per prefix with an entry per peer (RFC 6396 4.3; ORIGIN, AS_PATH with 4-byte ASNs,
NEXT_HOP), and BGP4MP_MESSAGE_AS4 records each holding one BGP UPDATE (RFC 6396 4.4.3, RFC 4271
4.3), so the files read back through the decoder and through bgpdump alike.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from collections.abc import Iterable, Sequence
from typing import Final, Protocol

_HEADER = struct.Struct(">IHHI")
_BGP4MP, _MESSAGE_AS4 = 16, 4
_LOCAL: Final = ("192.0.2.255", 65000)
"""The collector's own address and AS in BGP4MP records (documentation values)."""
_PREFIXES_PER_UPDATE: Final = 500
"""At most this many prefixes per UPDATE message, well under BGP's 4096-byte message limit."""


class Sink(Protocol):
    """Where records go: any binary file-like object (plain, gzip, bz2)."""

    def write(self, data: bytes, /) -> int:
        """Write bytes."""
        ...


def _record(time: int, subtype: int, body: bytes) -> bytes:
    return _HEADER.pack(time, 13, subtype, len(body)) + body


def peer_index_record(time: int, peers: Sequence[tuple[str, int]]) -> bytes:
    """PEER_INDEX_TABLE for IPv4 peers with 4-byte ASNs."""
    parts = [socket.inet_aton("192.0.2.255"), struct.pack(">HH", 0, len(peers))]
    for address, asn in peers:
        ip = socket.inet_aton(address)
        parts.append(b"\x02" + ip + ip + struct.pack(">I", asn))
    return _record(time, 1, b"".join(parts))


def attributes(path: Sequence[int], next_hop: str) -> bytes:
    """ORIGIN IGP, AS_PATH (one AS_SEQUENCE of 4-byte ASNs), NEXT_HOP."""
    segment = struct.pack(f">BB{len(path)}I", 2, len(path), *path)
    as_path = struct.pack(">BBH", 0x50, 2, len(segment)) + segment
    return b"\x40\x01\x01\x00" + as_path + b"\x40\x03\x04" + socket.inet_aton(next_hop)


def rib_record(time: int, seq: int, prefix: str, entries: Iterable[tuple[int, bytes]]) -> bytes:
    """RIB_IPV4_UNICAST for one prefix; ``entries`` are (peer index, attribute bytes)."""
    net = ipaddress.IPv4Network(prefix)
    size = (net.prefixlen + 7) // 8
    body = [struct.pack(">IB", seq, net.prefixlen), net.network_address.packed[:size]]
    items = list(entries)
    body.append(struct.pack(">H", len(items)))
    for index, attrs in items:
        body.append(struct.pack(">HIH", index, time, len(attrs)) + attrs)
    return _record(time, 2, b"".join(body))


def write_rib(
    stream: Sink,
    time: int,
    peers: Sequence[tuple[str, int]],
    routes: Iterable[tuple[str, Sequence[tuple[int, bytes]]]],
) -> int:
    """Write a whole RIB: the peer table, then a record per (prefix, entries); returns records."""
    stream.write(peer_index_record(time, peers))
    count = 1
    for seq, (prefix, entries) in enumerate(routes):
        stream.write(rib_record(time, seq, prefix, entries))
        count += 1
    return count


def _nlri(prefixes: Sequence[str]) -> bytes:
    """IPv4 prefixes as BGP NLRI: length in bits, then only the bytes that length needs."""
    out = []
    for prefix in prefixes:
        net = ipaddress.IPv4Network(prefix)
        out.append(bytes([net.prefixlen]) + net.network_address.packed[: (net.prefixlen + 7) // 8])
    return b"".join(out)


def update_message(withdrawn: Sequence[str], announced: Sequence[str], attrs: bytes) -> bytes:
    """One BGP UPDATE message; ``attrs`` (see :func:`attributes`) go with announcements only."""
    gone, new = _nlri(withdrawn), _nlri(announced)
    path_attrs = attrs if announced else b""
    body = struct.pack(">H", len(gone)) + gone + struct.pack(">H", len(path_attrs)) + path_attrs + new
    return b"\xff" * 16 + struct.pack(">HB", 19 + len(body), 2) + body


def update_records(
    time: int,
    peer: tuple[str, int],
    withdrawn: Sequence[str],
    announced: Sequence[str],
    attrs: bytes,
) -> list[bytes]:
    """BGP4MP_MESSAGE_AS4 records of what ``peer`` (address, AS) said at ``time``, split into UPDATEs."""
    head = struct.pack(">IIHH", peer[1], _LOCAL[1], 0, 1)
    addresses = socket.inet_aton(peer[0]) + socket.inet_aton(_LOCAL[0])
    records = []
    step = _PREFIXES_PER_UPDATE
    for start in range(0, max(len(withdrawn), len(announced)), step):
        message = update_message(withdrawn[start : start + step], announced[start : start + step], attrs)
        body = head + addresses + message
        records.append(_HEADER.pack(time, _BGP4MP, _MESSAGE_AS4, len(body)) + body)
    return records
