"""The C fast path (``_fastpath``) against the Python decoder, the reference.

Whatever a RIB entry or a BGP UPDATE holds — well formed, unusual or damaged — the C text,
prefixes and origin AS must equal what the Python decoder makes of it, or the C side must leave
the record to Python (which then fails the same way it always did).
"""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netvigil.sources.mrt import MrtElement, ParseReport, _fastpath, bgpdump_line, dump_text, read_elements
from netvigil.sources.mrt.attributes import decode_attributes, rib_next_hop
from netvigil.sources.mrt.decoder import BGP4MP, Decoded, MrtDecoder, read_records

BGPDUMP = shutil.which("bgpdump")
HEADS = [b"H0|", b"H1|"]


def python_text(block: bytes) -> bytes:
    """The reference: the Python decoder's text after the prefix."""
    attrs = decode_attributes(block, 4)
    return f"|{attrs.as_path}|{attrs.origin}|{rib_next_hop(attrs)}|{attrs.tail}\n".encode()


def python_origin(block: bytes) -> int | None:
    return decode_attributes(block, 4).origin_as


def entry(block: bytes, index: int = 0, path_id: int | None = None) -> bytes:
    """One RIB entry: peer index, originated time, [path id], attributes."""
    head = struct.pack(">HI", index, 1641168000)
    if path_id is not None:
        head += struct.pack(">I", path_id)
    return head + struct.pack(">H", len(block)) + block


def attribute(code: int, value: bytes, extended: bool = False) -> bytes:
    if extended or len(value) > 255:
        return struct.pack(">BBH", 0x50, code, len(value)) + value
    return struct.pack(">BBB", 0x40, code, len(value)) + value


def segment(kind: int, asns: list[int]) -> bytes:
    return struct.pack(f">BB{len(asns)}I", kind, len(asns), *asns)


asns = st.lists(
    st.sampled_from([0, 1, 174, 3356, 23456, 64512, 65535, 65536, 4200000000, 2**32 - 1]), max_size=6
)
paths = st.lists(st.tuples(st.sampled_from([1, 2, 2, 2, 3, 4, 0, 7]), asns), max_size=4).map(
    lambda segs: b"".join(segment(k, a) for k, a in segs)
)
values = {
    1: st.sampled_from([b"\0", b"\1", b"\2", b"\3", b"", b"\0\0"]),
    2: st.one_of(paths, paths.map(lambda p: p[:-1]), st.binary(max_size=12)),
    3: st.one_of(st.binary(min_size=4, max_size=4), st.binary(max_size=6)),
    4: st.binary(max_size=10),
    5: st.binary(max_size=10),
    6: st.binary(max_size=2),
    7: st.one_of(st.binary(min_size=6, max_size=6), st.binary(min_size=8, max_size=8), st.binary(max_size=9)),
    8: st.one_of(
        st.lists(st.sampled_from([0xFFFFFF01, 0xFFFFFF02, 0xFFFFFF03, 0x0D1C0001, 0]), max_size=5).map(
            lambda c: struct.pack(f">{len(c)}I", *c)
        ),
        st.binary(max_size=9),
    ),
    14: st.one_of(
        st.sampled_from([4, 16, 32])
        .flatmap(lambda n: st.binary(min_size=n, max_size=n))
        .map(lambda hop: bytes([len(hop)]) + hop),
        st.binary(max_size=20),
    ),
    9: st.binary(max_size=4),
    16: st.binary(max_size=16),
    17: st.one_of(paths, st.binary(max_size=6)),
    32: st.binary(max_size=24),
}
attributes = st.sampled_from(sorted(values)).flatmap(
    lambda code: st.tuples(st.just(code), values[code], st.booleans())
)
blocks = st.lists(attributes, max_size=8).map(lambda items: b"".join(attribute(*i) for i in items))
# Also cut blocks short and random bytes: damage must be reported by Python, not hidden by C.
any_block = st.one_of(
    blocks, blocks.flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n])), st.binary()
)


def reference(call: object, block: bytes) -> bytes | int | type[BaseException] | None:
    try:
        return call(block)  # type: ignore[operator]
    except (ValueError, IndexError, OSError, struct.error) as exc:
        return type(exc)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(block=any_block)
def test_c_text_and_origin_equal_the_python_decoder(block: bytes) -> None:
    body = b"\0" + entry(block)
    want = reference(python_text, block)
    try:
        text, count = _fastpath.lines(struct.pack(">H", 1) + entry(block), 0, False, HEADS, b"P", python_text)
        got: object = text
    except (ValueError, IndexError, OSError, struct.error) as exc:
        got, count = type(exc), 1
    assert got == (b"H0|P" + want if isinstance(want, bytes) else want)
    assert count == 1
    want_origin = reference(python_origin, block)
    try:
        _, origins, _ = _fastpath.origins(struct.pack(">H", 1) + entry(block), 0, False, python_origin)
        got_origin: object = origins[0]
    except (ValueError, IndexError, OSError, struct.error) as exc:
        got_origin = type(exc)
    assert got_origin == want_origin, body.hex()


def test_the_common_blocks_are_read_in_c() -> None:
    """The blocks of real RIB entries never reach Python (else the speed is gone)."""
    block = (
        attribute(1, b"\0")
        + attribute(2, segment(2, [3356, 174, 9198]) + segment(1, [1, 2]), extended=True)
        + attribute(3, socket.inet_aton("192.0.2.1"))
        + attribute(4, struct.pack(">I", 10))
        + attribute(5, struct.pack(">I", 100))
        + attribute(6, b"")
        + attribute(7, struct.pack(">I", 9198) + socket.inet_aton("10.0.0.1"))
        + attribute(8, struct.pack(">II", 0x0D1C0001, 0xFFFFFF01))
        + attribute(16, b"\0" * 8)
        + attribute(32, b"\0" * 12)
    )
    v6 = (
        attribute(1, b"\2")
        + attribute(2, segment(2, [6939]))
        + attribute(14, b"\x20" + socket.inet_pton(socket.AF_INET6, "2001:db8::1") + b"\xfe\x80" + b"\0" * 14)
    )

    def refuse(_block: bytes) -> bytes:
        raise AssertionError("handed to Python")

    for b in (block, v6):
        text, _ = _fastpath.lines(struct.pack(">H", 1) + entry(b), 0, False, HEADS, b"P", refuse)
        assert text == b"H0|P" + python_text(b)
    assert text == b"H0|P|6939|INCOMPLETE|2001:db8::1|0|0||NAG||\n"


def test_walk_errors_are_damage() -> None:
    """Entries past the record or a peer missing from the table are reported, not guessed."""
    good = entry(attribute(1, b"\0"))
    with pytest.raises(ValueError, match="runs past its record"):
        _fastpath.lines(struct.pack(">H", 2) + good, 0, False, HEADS, b"P", python_text)
    with pytest.raises(ValueError, match="runs past its record"):
        _fastpath.origins(struct.pack(">H", 1) + good[:-1], 0, False, python_origin)
    with pytest.raises(IndexError, match="peer index 5"):
        _fastpath.lines(struct.pack(">H", 1) + entry(b"", index=5), 0, False, HEADS, b"P", python_text)
    with pytest.raises(ValueError, match="entry count"):
        _fastpath.lines(b"\0", 0, False, HEADS, b"P", python_text)


def addpath_rib_file(path: Path) -> Path:
    """A TABLE_DUMP_V2 file with a peer table and a RIB_IPV4_UNICAST_ADDPATH record (RFC 8050)."""
    peers = b"".join(
        b"\x02" + socket.inet_aton(ip) * 2 + struct.pack(">I", asn)
        for ip, asn in (("192.0.2.1", 65001), ("192.0.2.2", 4200000000))
    )
    table = socket.inet_aton("192.0.2.255") + struct.pack(">HH", 0, 2) + peers
    block = (
        attribute(1, b"\0")
        + attribute(2, segment(2, [65001, 9198]), True)
        + attribute(3, socket.inet_aton("192.0.2.1"))
    )
    body = struct.pack(">IB", 0, 16) + bytes([2, 72]) + struct.pack(">H", 3)
    body += entry(block, 0, 1) + entry(block, 1, 7) + entry(block, 0, 2**32 - 1)
    records = [(1, table), (8, body)]
    path.write_bytes(b"".join(struct.pack(">IHHI", 1641168000, 13, sub, len(b)) + b for sub, b in records))
    return path


def test_addpath_rib_lines_carry_path_ids(tmp_path: Path) -> None:
    path = addpath_rib_file(tmp_path / "rib_ap.mrt")
    report = ParseReport()
    text = b"".join(dump_text(path, report)).decode().splitlines()
    assert text == [bgpdump_line(e) for e in read_elements(path, ParseReport())]
    head = "TABLE_DUMP2_AP|1641168000|B|192.0.2.2|4200000000|2.72.0.0/16|7"
    assert text[1] == head + "|65001 9198|IGP|192.0.2.1|0|0||NAG||"
    assert report.elements == 3 and report.damaged == 0
    if BGPDUMP is not None:
        live = subprocess.run([BGPDUMP, "-m", str(path)], capture_output=True, text=True, check=False)
        assert live.stdout.splitlines() == text


# -- BGP UPDATE messages (BGP4MP) ------------------------------------------------------------

PEER = ("192.0.2.9", 64999)


def nlri(afi: int, addpath: bool) -> st.SearchStrategy[bytes]:
    """A run of NLRI prefixes (with path ids under ADD-PATH), or now and then any bytes."""
    limit = 128 if afi == 2 else 32
    one = st.integers(0, limit).flatmap(
        lambda n: st.binary(min_size=(n + 7) // 8, max_size=(n + 7) // 8).map(lambda b: bytes([n]) + b)
    )
    if addpath:
        one = st.tuples(st.integers(0, 2**32 - 1), one).map(lambda t: struct.pack(">I", t[0]) + t[1])
    good = st.lists(one, max_size=4).map(b"".join)
    return st.one_of(good, good, good, st.binary(max_size=9))


def mp_reach(addpath: bool) -> st.SearchStrategy[bytes]:
    """MP_REACH_NLRI, full form: AFI, SAFI, next hop, reserved byte, NLRI (sometimes AFI 3)."""
    return st.tuples(st.sampled_from([1, 2, 2, 3]), st.sampled_from([0, 4, 16, 32])).flatmap(
        lambda t: st.tuples(st.binary(min_size=t[1], max_size=t[1]), nlri(t[0], addpath)).map(
            lambda h: struct.pack(">HBB", t[0], 1, len(h[0])) + h[0] + b"\0" + h[1]
        )
    )


def mp_unreach(addpath: bool) -> st.SearchStrategy[bytes]:
    return st.sampled_from([1, 2, 2, 5]).flatmap(
        lambda afi: nlri(afi, addpath).map(lambda n: struct.pack(">HB", afi, 1) + n)
    )


def segment2(kind: int, asns: list[int]) -> bytes:
    return struct.pack(f">BB{len(asns)}H", kind, len(asns), *asns)


paths2 = st.lists(
    st.tuples(
        st.sampled_from([1, 2, 2, 2, 3, 4]),
        st.lists(st.sampled_from([1, 174, 3356, 23456, 65535]), max_size=5),
    ),
    max_size=3,
).map(lambda segs: b"".join(segment2(k, a) for k, a in segs))


def update_attributes(asn_len: int, addpath: bool) -> st.SearchStrategy[bytes]:
    """Attribute blocks of an UPDATE: RIB-like ones plus MP_REACH / MP_UNREACH and AS4 attributes."""
    own = dict(values)
    own[2] = st.one_of(paths2 if asn_len == 2 else paths, st.binary(max_size=8))
    own[14] = st.one_of(mp_reach(addpath), values[14])
    own[15] = st.one_of(mp_unreach(addpath), st.binary(max_size=4))
    own[18] = st.one_of(st.binary(min_size=8, max_size=8), st.binary(max_size=9))
    item = st.sampled_from(sorted(own)).flatmap(
        lambda code: st.tuples(st.just(code), own[code], st.booleans())
    )
    return st.lists(item, max_size=7).map(lambda items: b"".join(attribute(*i) for i in items))


def update_message(asn_len: int, addpath: bool) -> st.SearchStrategy[bytes]:
    """A BGP UPDATE message (marker, length, type 2, withdrawn, attributes, NLRI), sometimes spoilt."""
    parts = st.tuples(nlri(1, addpath), update_attributes(asn_len, addpath), nlri(1, addpath))

    def message(p: tuple[bytes, bytes, bytes]) -> bytes:
        body = struct.pack(">H", len(p[0])) + p[0] + struct.pack(">H", len(p[1])) + p[1] + p[2]
        return b"\xff" * 16 + struct.pack(">HB", 19 + len(body), 2) + body

    good = parts.map(message)
    spoilt = st.tuples(good, st.integers(0, 60), st.binary(min_size=1, max_size=2)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + len(t[2]) :]
    )
    cut = good.flatmap(lambda m: st.integers(0, len(m)).map(lambda n: m[:n]))
    return st.one_of(good, good, good, spoilt, cut)


def bgp4mp_body(asn_len: int, message: bytes) -> bytes:
    """BGP4MP_MESSAGE(_AS4): peer AS, local AS, interface, AFI 1, peer and local address, message."""
    fmt = ">HHHH" if asn_len == 2 else ">IIHH"
    ip = socket.inet_aton(PEER[0])
    return struct.pack(fmt, PEER[1], 65000, 0, 1) + ip + socket.inet_aton("192.0.2.1") + message


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_c_updates_equal_the_python_decoder(data: st.DataObject) -> None:
    asn_len = data.draw(st.sampled_from([2, 4]))
    addpath = data.draw(st.booleans())
    sub = {(2, False): 1, (4, False): 4, (2, True): 8, (4, True): 9}[asn_len, addpath]
    body = bgp4mp_body(asn_len, data.draw(update_message(asn_len, addpath)))
    pos = 2 * asn_len + 4 + 8
    name = "BGP4MP_AP" if addpath else "BGP4MP"
    heads = [f"{name}|1641379500|{k}|{PEER[0]}|{PEER[1]}|".encode() for k in "WA"]
    try:
        elements: list[MrtElement] | type[BaseException] = (
            MrtDecoder().decode(BGP4MP, sub, 1641379500, body) or []
        )
    except (ValueError, IndexError, OSError, struct.error) as exc:
        elements = type(exc)
    lines = _fastpath.update_lines(body, pos, asn_len, addpath, *heads)
    routes = _fastpath.update_routes(body, pos, asn_len, addpath)
    assert (lines is None) == (routes is None)
    if lines is None or routes is None:
        return
    assert not isinstance(elements, type), "C read a record the Python decoder rejects"
    assert lines == ("".join(bgpdump_line(e) + "\n" for e in elements).encode(), len(elements))
    withdrawn, announced, origin = routes
    assert withdrawn == [e.prefix for e in elements if e.kind == "W"]
    assert announced == [e.prefix for e in elements if e.kind == "A"]
    assert all(origin == e.attrs.origin_as for e in elements if e.kind == "A")


def test_the_common_updates_are_read_in_c() -> None:
    """UPDATEs of real archives are read in C, not left to Python (else the speed is gone)."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "mrt" / "ris_updates.20160811.1600.gz"
    decoder, read, left = MrtDecoder(), 0, 0

    def count(typ: int, sub: int, time: int, body: bytes) -> Decoded[MrtElement]:
        nonlocal read, left
        message = decoder.message(typ, sub, time, body)
        if message is not None:
            h, data = message
            found = _fastpath.update_routes(data, h.pos, h.asn_len, h.addpath)
            read, left = read + (found is not None), left + (found is None)
        return decoder.elements(typ, sub, time, body)

    for _ in read_records(path, ParseReport(), count):
        pass
    assert read == 17384 and left == 0
