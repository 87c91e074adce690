"""Convert MRT BGP4MP updates into RIS Live ``ris_message`` lines (one per UPDATE record and peer).

Used to make tests/fixtures/ris_live/ from the real RIS archive file of 2016 (from the repo root):

    python tests/tools/mrt_to_ris_live.py tests/fixtures/mrt/ris_updates.20160811.1600.gz \
        tests/fixtures/ris_live/ris_updates.20160811.1600_first600.jsonl.gz --limit 600
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

from netvigil.sources.mrt import MrtElement, ParseReport, read_elements


def _path(element: MrtElement) -> list[Any]:
    out: list[Any] = []
    for hop in element.attrs.as_path.split():
        if hop.startswith("{"):
            out.append([int(a) for a in hop.strip("{}").split(",")])
        else:
            out.append(int(hop))
    return out


def message(elements: list[MrtElement], host: str) -> dict[str, Any]:
    """One ris_message for the elements of one record (same peer, same time)."""
    first = elements[0]
    data: dict[str, Any] = {
        "timestamp": first.time + max(first.usec, 0) / 1e6,
        "peer": first.peer_ip,
        "peer_asn": str(first.peer_as),
        "id": f"{first.time}-{first.peer_ip}",
        "host": host,
        "type": "UPDATE",
    }
    announced = [e for e in elements if e.kind == "A"]
    withdrawn = [e.prefix for e in elements if e.kind == "W"]
    if announced:
        data["path"] = _path(announced[0])
        data["origin"] = announced[0].attrs.origin
        data["announcements"] = [
            {"next_hop": announced[0].next_hop, "prefixes": [e.prefix for e in announced]}
        ]
    if withdrawn:
        data["withdrawals"] = withdrawn
    return {"type": "ris_message", "data": data}


def messages(elements: Iterable[MrtElement], host: str = "rrc00") -> Iterator[dict[str, Any]]:
    """ris_messages for the announcements and withdrawals (one per run of the same time, peer, path)."""
    updates = (e for e in elements if e.kind in ("A", "W"))
    key = lambda e: (e.time, e.usec, e.peer_ip, e.attrs.as_path)  # noqa: E731
    for _, group in groupby(updates, key=key):
        yield message(list(group), host)


def main() -> None:
    """Command line: MRT in, RIS Live .jsonl(.gz) out."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mrt", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="stop after this many messages")
    parser.add_argument("--host", default="rrc00")
    args = parser.parse_args()
    elements = read_elements(args.mrt, ParseReport())
    raw = gzip.GzipFile(args.out, "wb", mtime=0) if args.out.suffix == ".gz" else open(args.out, "wb")  # noqa: SIM115
    with io.TextIOWrapper(raw, encoding="utf-8") as out:
        for count, item in enumerate(messages(elements, args.host), start=1):
            out.write(json.dumps(item, separators=(",", ":")) + "\n")
            if args.limit and count >= args.limit:
                break


if __name__ == "__main__":
    main()
