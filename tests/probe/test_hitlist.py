"""Hitlist parsing: strict, with file and line in every error; opt-out lists; scan summaries."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from netvigil.model.errors import InputError
from netvigil.probe.hitlist import (
    HitlistBlock,
    block_from_scan,
    parse_hitlist,
    read_hitlist,
    read_opt_out,
    select_blocks,
    without_opted_out,
    write_hitlist,
)

HEAD = "block,addresses,availability\n"
GOOD = "block,addresses,availability\n127.1.2.0/24,127.1.2.1 127.1.2.7,0.9\n2001:db8:1::/48,2001:db8:1::1,1\n"


def test_parses_the_documented_example() -> None:
    blocks = parse_hitlist(GOOD)
    assert blocks[0] == HitlistBlock("127.1.2.0/24", ("127.1.2.1", "127.1.2.7"), 0.9)
    assert blocks[1].block == "2001:db8:1::/48" and blocks[1].availability == 1.0


def test_entity_column_is_canonicalised() -> None:
    text = "block,addresses,availability,entity\n127.1.2.0/24,127.1.2.1,0.5,asn:064500\n"
    assert parse_hitlist(text)[0].entity == "asn:64500"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("block,addr,availability\n", 1, "header"),
        ("block,addresses,availability\n127.1.2.0/24,127.1.2.1\n", 2, "expected 3 fields"),
        ("block,addresses,availability\n127.1.2.0/23,127.1.2.1,0.9\n", 2, "/24"),
        ("block,addresses,availability\n127.1.2.5/24,127.1.2.1,0.9\n", 2, "not a prefix"),
        ("block,addresses,availability\nnope,127.1.2.1,0.9\n", 2, "not a prefix"),
        ("block,addresses,availability\n127.1.2.0/24,127.1.3.1,0.9\n", 2, "outside its block"),
        ("block,addresses,availability\n127.1.2.0/24,127.1.2.1 127.1.2.1,0.9\n", 2, "twice"),
        ("block,addresses,availability\n127.1.2.0/24,127.1.2.x,0.9\n", 2, "not an IP address"),
        ("block,addresses,availability\n127.1.2.0/24,,0.9\n", 2, "no addresses"),
        ("block,addresses,availability\n127.1.2.0/24,127.1.2.1,1.5\n", 2, "from 0 to 1"),
        ("block,addresses,availability\n127.1.2.0/24,127.1.2.1,nan\n", 2, "from 0 to 1"),
        (HEAD + "127.1.2.0/24,127.1.2.1,0.9\n\n127.1.2.0/24,127.1.2.2,0.9\n", 4, "twice"),
        ("block,addresses,availability,entity\n127.1.2.0/24,127.1.2.1,0.9,planet:mars\n", 2, "entity"),
        ("block,addresses,availability,owner\n", 1, "entity"),
    ],
)
def test_bad_lines_name_file_and_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_hitlist(text, "hit.csv")
    assert caught.value.path == "hit.csv"
    assert caught.value.line == line
    assert needle in str(caught.value)


def test_empty_hitlist_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "hit.csv"
    path.write_text("block,addresses,availability\n")
    with pytest.raises(InputError, match="no blocks"):
        read_hitlist(path)


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    blocks = parse_hitlist(GOOD)
    blocks.append(HitlistBlock("127.1.9.0/24", ("127.1.9.4",), 0.25, "asn:64500"))
    path = tmp_path / "hit.csv"
    assert write_hitlist(path, blocks) == 3
    assert read_hitlist(path) == blocks


def test_opt_out_removes_overlapping_blocks(tmp_path: Path) -> None:
    path = tmp_path / "optout.txt"
    path.write_text("# owners who asked\n127.1.0.0/16  # lab\n\n2001:db8::/32\n")
    networks = read_opt_out(path)
    kept = without_opted_out(parse_hitlist(GOOD + "127.2.0.0/24,127.2.0.1,0.9\n"), networks)
    assert [b.block for b in kept] == ["127.2.0.0/24"]
    path.write_text("127.1.0.0/16\nnot-a-prefix\n")
    with pytest.raises(InputError) as caught:
        read_opt_out(path)
    assert caught.value.line == 2


def test_target_outside_the_hitlist_is_refused() -> None:
    blocks = parse_hitlist(GOOD)
    assert select_blocks(blocks, ["127.1.2.0/24"]) == blocks[:1]
    with pytest.raises(InputError, match="not in the hitlist"):
        select_blocks(blocks, ["127.9.9.0/24"])


def test_scan_summary_gives_ever_responsive_addresses_and_availability() -> None:
    network = ipaddress.ip_network("127.1.2.0/24")
    block = block_from_scan(network, [{"127.1.2.10", "127.1.2.2"}, {"127.1.2.2"}], "asn:64500")
    assert block == HitlistBlock("127.1.2.0/24", ("127.1.2.2", "127.1.2.10"), 0.75, "asn:64500")
    assert block_from_scan(network, [set(), set()], None) is None
