"""Bounded, seeded fuzzing of the MRT decoder (both paths) and the RIS Live parser.

Mutations of real fixture bytes and odd JSON values: nothing may escape but netvigil's own
errors, the C and Python `mrt dump` texts must stay equal, and a bad RIS Live message costs only
itself. The long runs (10,000 cases each) are benchmarks/fuzz_mrt.py and fuzz_ris_live.py.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netvigil.sources.mrt import ParseReport, bgpdump_line
from netvigil.sources.mrt.bgpdump import DumpDecoder
from netvigil.sources.mrt.decoder import MrtDecoder, iter_records
from netvigil.sources.ris_live import message_routes, read_jsonl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONFORMANCE = FIXTURES / "conformance" / "mrt"
SEED_FILES = [
    FIXTURES / "mrt" / "ris_updates.20160811.1600.gz",
    FIXTURES / "mrt" / "ris_bview.20020722.2337.gz",
    CONFORMANCE / "bgpdump" / "test_data" / "bview.ipv6_unicast_add_path.gz",
    CONFORMANCE / "bgpdump" / "test_data" / "updates.20100722.2015.gz",
    CONFORMANCE / "bgpkit-parser" / "ripe" / "rrc00" / "1999.12" / "updates.19991214.1621.gz",
    CONFORMANCE / "bgpkit-parser" / "ripe" / "rrc01" / "2000.11" / "updates.20001104.0124.gz",
]
SEEDS = [gzip.decompress(p.read_bytes())[:6000] for p in SEED_FILES] + [
    (CONFORMANCE / "mrtparse-samples" / name).read_bytes()
    for name in ("bird6_bgp", "bird-mrtdump_rib", "openbgpd_rib_table", "quagga_bgp")
]
FUZZ = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real MRT start with bit flips, a byte run overwritten (huge numbers), and maybe a cut."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] ^= 1 << draw(st.integers(0, 7))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data[at : at + 4] = draw(st.sampled_from([b"\xff\xff\xff\xff", b"\x00\x00", b"\xff", b"\x80\x00"]))
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


def _dump_c(data: bytes) -> bytes:
    return b"".join(iter_records(iter([data]), ParseReport(), DumpDecoder()))


def _dump_python(data: bytes) -> bytes:
    elements = iter_records(iter([data]), ParseReport(), MrtDecoder().elements)
    return "".join(bgpdump_line(e) + "\n" for e in elements).encode()


@FUZZ
@given(mutated())
def test_mutated_mrt_never_crashes_and_both_dump_paths_agree(data: bytes) -> None:
    assert _dump_c(data) == _dump_python(data)
    report = ParseReport()
    for _ in iter_records(iter([data]), report, MrtDecoder().routes):
        pass
    assert report.records >= 0


ODD = st.one_of(
    st.just(math.nan),
    st.just(math.inf),
    st.just(-math.inf),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.text(max_size=20),
    st.none(),
    st.booleans(),
    st.floats(),
)
JSON = ODD | st.lists(ODD, max_size=3) | st.dictionaries(st.sampled_from(["prefixes", "x"]), ODD, max_size=2)


@st.composite
def messages(draw: st.DrawFn) -> Any:
    """A RIS Live message with some fields made odd (NaN, infinite, huge, wrong type, not a prefix)."""
    data: dict[str, Any] = {
        "timestamp": 1553627987.89,
        "peer": "72.22.223.9",
        "peer_asn": "11708",
        "type": draw(st.sampled_from(["UPDATE", "RIS_PEER_STATE", "OPEN", "KEEPALIVE"])),
        "path": [11708, 268481],
        "announcements": [{"next_hop": "72.22.223.9", "prefixes": ["45.161.192.0/23"]}],
        "withdrawals": ["10.0.0.0/8"],
        "state": "down",
    }
    for key in draw(st.lists(st.sampled_from(sorted(data)), max_size=4)):
        data[key] = draw(JSON)
    if draw(st.booleans()):
        data["announcements"] = [{"prefixes": [draw(st.text(max_size=30))]}]
    return {"type": "ris_message", "data": data} if draw(st.booleans()) else data


@FUZZ
@given(messages())
def test_an_odd_ris_live_message_is_one_bad_message_never_a_crash(message: Any) -> None:
    report = ParseReport()
    routes = message_routes(message, report, 1)
    assert report.records + report.damaged == 1
    assert not routes or report.records == 1


@FUZZ
@given(st.binary(max_size=300))
def test_any_line_costs_only_itself_in_a_file(tmp_path_factory: Any, line: bytes) -> None:
    good = json.dumps({"timestamp": 1, "peer": "192.0.2.1", "peer_asn": 1, "type": "UPDATE",
                       "announcements": [{"prefixes": ["10.0.0.0/8"]}]}).encode()
    path = Path(tmp_path_factory.mktemp("ris")) / "case.jsonl"
    path.write_bytes(good + b"\n" + line.replace(b"\n", b" ").replace(b"\r", b" ") + b"\n" + good + b"\n")
    report = ParseReport()
    routes = list(read_jsonl(path, None, report))
    assert len(routes) >= 2 and report.records >= 2
