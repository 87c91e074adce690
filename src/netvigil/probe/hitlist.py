"""The hitlist: which blocks to probe, their ever-responsive addresses and historical availability.

CSV with the header ``block,addresses,availability`` and an optional fourth column ``entity``::

    block,addresses,availability,entity
    127.1.2.0/24,127.1.2.1 127.1.2.7,0.9,asn:64500

One IPv4 /24 or IPv6 /48 a line; its addresses separated by spaces, each inside the block; the
availability ``A`` in 0..1 is the share of those addresses that answer when the block is up
(Trinocular's A(E(b))). Parsing is strict: the first bad line stops with file, line and what was
expected, so a prober never starts on half a hitlist. An opt-out list (one prefix a line, ``#``
comments) removes blocks whose owners asked not to be probed.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from netvigil.model.entities import parse_entity
from netvigil.model.errors import EntityParseError, InputError, reading

HEADER: Final = ("block", "addresses", "availability")
BLOCK_PREFIX: Final = {4: 24, 6: 48}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class HitlistBlock:
    """One block to probe: canonical prefix text, its responsive addresses, availability, entity."""

    block: str
    addresses: tuple[str, ...]
    availability: float
    entity: str | None = None

    def to_row(self) -> list[str]:
        """The block as a CSV row (entity column only when set)."""
        row = [self.block, " ".join(self.addresses), f"{self.availability:.3f}"]
        return [*row, self.entity] if self.entity else row


def read_hitlist(path: Path) -> list[HitlistBlock]:
    """Read and validate a hitlist file; raises :class:`InputError` with the line of the first problem."""
    try:
        with reading(path):
            text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", path=str(path)) from None
    return parse_hitlist(text, str(path))


def parse_hitlist(text: str, name: str = "<hitlist>") -> list[HitlistBlock]:
    """Parse hitlist CSV text; every problem names ``name`` and the line."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or tuple(h.strip() for h in header[:3]) != HEADER or len(header) > 4:
        raise InputError(
            "expected the header block,addresses,availability (optionally ,entity)", path=name, line=1
        )
    with_entity = len(header) == 4
    if with_entity and header[3].strip() != "entity":
        raise InputError(f"the fourth column must be 'entity', not {header[3]!r}", path=name, line=1)
    blocks: list[HitlistBlock] = []
    seen: set[str] = set()
    for row in rows:
        line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        block = _parse_row(row, with_entity, name, line)
        if block.block in seen:
            raise InputError(f"block {block.block} is listed twice", path=name, line=line)
        seen.add(block.block)
        blocks.append(block)
    if not blocks:
        raise InputError("no blocks: the hitlist has a header but no rows", path=name)
    return blocks


def _parse_row(row: Sequence[str], with_entity: bool, name: str, line: int) -> HitlistBlock:
    width = 4 if with_entity else 3
    if len(row) != width:
        raise InputError(f"expected {width} fields, found {len(row)}", path=name, line=line)
    network = parse_block(row[0].strip(), name, line)
    addresses = _parse_addresses(row[1], network, name, line)
    availability = _parse_availability(row[2], name, line)
    entity = None
    if with_entity and row[3].strip():
        try:
            entity = str(parse_entity(row[3]))
        except EntityParseError as exc:
            raise InputError(str(exc), path=name, line=line) from None
    return HitlistBlock(str(network), addresses, availability, entity)


def parse_block(text: str, name: str = "<block>", line: int | None = None) -> Network:
    """Parse an IPv4 /24 or IPv6 /48 block with its host bits zero, or raise :class:`InputError`."""
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        message = f"block {text!r} is not a prefix such as 192.0.2.0/24: {exc}"
        raise InputError(message, path=name, line=line) from None
    wanted = BLOCK_PREFIX[network.version]
    if network.prefixlen != wanted:
        raise InputError(
            f"block {text!r} must be an IPv{network.version} /{wanted}, not /{network.prefixlen}",
            path=name,
            line=line,
        )
    return network


def _parse_addresses(text: str, network: Network, name: str, line: int) -> tuple[str, ...]:
    found: list[str] = []
    for word in text.split():
        try:
            address = ipaddress.ip_address(word)
        except ValueError:
            raise InputError(f"{word!r} is not an IP address", path=name, line=line) from None
        if address.version != network.version or address not in network:
            raise InputError(f"address {word} is outside its block {network}", path=name, line=line)
        if str(address) in found:
            raise InputError(f"address {word} is listed twice", path=name, line=line)
        found.append(str(address))
    if not found:
        raise InputError(
            f"block {network} has no addresses (expected space-separated IPs)", path=name, line=line
        )
    return tuple(found)


def _parse_availability(text: str, name: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise InputError(f"availability {text!r} must be a number from 0 to 1", path=name, line=line)
    return value


def write_hitlist(path: Path, blocks: Iterable[HitlistBlock]) -> int:
    """Write blocks as a hitlist CSV (with the entity column if any block has one); returns the count."""
    items = list(blocks)
    with_entity = any(b.entity for b in items)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*HEADER, "entity"] if with_entity else list(HEADER))
        for block in items:
            row = block.to_row()
            writer.writerow(row + [""] * (len(HEADER) + with_entity - len(row)))
    return len(items)


def read_opt_out(path: Path) -> list[Network]:
    """Read an opt-out list: one prefix a line (any length), ``#`` starts a comment."""
    networks: list[Network] = []
    with reading(path):
        lines = path.read_text("utf-8").splitlines()
    for line, raw in enumerate(lines, start=1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise InputError(
                f"{text!r} is not a prefix such as 192.0.2.0/24", path=str(path), line=line
            ) from None
    return networks


def without_opted_out(blocks: Sequence[HitlistBlock], opt_out: Sequence[Network]) -> list[HitlistBlock]:
    """The blocks that overlap no opted-out prefix."""
    kept: list[HitlistBlock] = []
    for block in blocks:
        network = ipaddress.ip_network(block.block)
        if not any(network.version == o.version and network.overlaps(o) for o in opt_out):
            kept.append(block)
    return kept


def select_blocks(blocks: Sequence[HitlistBlock], wanted: Sequence[str]) -> list[HitlistBlock]:
    """The hitlist entries of ``wanted`` blocks; a block that is not in the hitlist is an error."""
    by_block = {b.block: b for b in blocks}
    chosen: list[HitlistBlock] = []
    for text in wanted:
        key = str(parse_block(text.strip(), "--block"))
        if key not in by_block:
            raise InputError(
                f"target {text} is not in the hitlist; add it there first (netvigil probe hitlist build)"
            )
        chosen.append(by_block[key])
    return chosen


def scan_addresses(network: Network) -> list[str]:
    """Addresses a hitlist scan tries in a block: .1-.254 of a /24, ::1-::ff of a /48's first /64."""
    if network.version == 4:
        return [str(network.network_address + i) for i in range(1, 255)]
    return [str(network.network_address + i) for i in range(1, 256)]


def block_from_scan(network: Network, answers: Sequence[set[str]], entity: str | None) -> HitlistBlock | None:
    """A hitlist entry from scan passes (each the set of addresses that answered), or ``None`` if silent.

    The ever-responsive addresses are those that answered in any pass; availability is the mean
    share of them answering per pass, as Trinocular estimates A from history.
    """
    ever = set().union(*answers) if answers else set()
    if not ever:
        return None
    ordered = tuple(sorted(ever, key=lambda a: int(ipaddress.ip_address(a))))
    availability = sum(len(seen & ever) for seen in answers) / (len(ever) * len(answers))
    return HitlistBlock(str(network), ordered, round(availability, 3), entity)
