"""Generate a large TABLE_DUMP_V2 RIB (N prefixes x P peers) for benchmarks.

    python benchmarks/gen_rib.py OUT.mrt.gz --prefixes 1000000 --peers 20

Prefixes are distinct IPv4 networks (mostly /24, some /16-/22), each routed by every peer with
a 3-hop AS path ending in one of ~50k origin ASes; deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import gzip
import random
from collections.abc import Iterator
from pathlib import Path

from netvigil.sources.mrt.writer import attributes, write_rib

T0 = 1_641_168_000


def prefixes(count: int) -> Iterator[str]:
    """``count`` distinct prefixes: /24s from 1.0.0.0 up, every 50th widened to a /20."""
    for i in range(count):
        a, b, c = 1 + (i >> 16), (i >> 8) & 255, i & 255
        yield f"{a}.{b}.{c & 0xF0}.0/20" if i % 50 == 0 and c & 0x0F == 0 else f"{a}.{b}.{c}.0/24"


def generate(path: Path, count: int, peers: int, seed: int = 1) -> int:
    """Write the RIB; returns the number of elements (prefixes x peers)."""
    rng = random.Random(seed)
    peer_table = [(f"10.{i // 256}.{i % 256}.1", 64500 + i) for i in range(peers)]
    transits = [rng.choice([174, 1299, 2914, 3356, 6453, 6939]) for _ in range(peers)]
    cache: dict[tuple[int, int], bytes] = {}

    def routes() -> Iterator[tuple[str, list[tuple[int, bytes]]]]:
        for prefix in prefixes(count):
            origin = rng.randrange(1, 50_000)
            entries = []
            for peer in range(peers):
                key = (peer, origin)
                attrs = cache.get(key)
                if attrs is None:
                    if len(cache) > 500_000:
                        cache.clear()
                    path = [peer_table[peer][1], transits[peer], origin]
                    attrs = cache[key] = attributes(path, peer_table[peer][0])
                entries.append((peer, attrs))
            yield prefix, entries

    with gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) as out:
        write_rib(out, T0, peer_table, routes())
    return count * peers


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--prefixes", type=int, default=1_000_000)
    parser.add_argument("--peers", type=int, default=20)
    args = parser.parse_args()
    print(generate(args.out, args.prefixes, args.peers))


if __name__ == "__main__":
    main()
