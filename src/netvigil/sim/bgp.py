"""Simulated BGP input for a scenario: what route collectors would have recorded.

Given a :class:`~netvigil.model.timeline.Timeline`, it writes a TABLE_DUMP_V2 RIB snapshot at the
start and RIS Live ``ris_message`` lines after it, for REAL prefixes of the Kazakhstan operators
(:data:`netvigil.sim.kazakhstan.OPERATORS`, prefixes from ``geo/data/kz_prefixes.tsv``) seen from a
set of simulated full-feed peers: withdrawals when the timeline's routing share falls, announcements
when it recovers, a little ordinary churn, and the burst of path changes of 5 January 2022
(:data:`netvigil.sim.kazakhstan.UPDATE_BURST`). Background prefixes (100.64.0.0/10, private origin
ASes) keep the peers full-feed when a whole country is withdrawn.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, Any, Final

from netvigil.model.timeline import Timeline
from netvigil.sim import kazakhstan
from netvigil.sources.mrt.writer import attributes, write_rib

PEERS: Final = tuple((f"198.51.100.{i + 1}", 64601 + i) for i in range(10))
TRANSITS: Final = (3356, 1299, 174, 6939, 2914, 9002, 20485, 31133, 12389, 3216)
BACKGROUND: Final = tuple(f"100.{64 + i // 256}.{i % 256}.0/24" for i in range(1000))
FULL_FEED: Final = 900  # background (1000) + KZ prefixes per peer, so a KZ blackout keeps peers full
ENTITIES: Final = frozenset({f"country:{kazakhstan.COUNTRY}", *(o.entity for o in kazakhstan.OPERATORS)})
"""The entities whose BGP signals a replay is for: the country and its operators."""


def kz_prefixes() -> dict[int, list[str]]:
    """The shipped real prefixes of each KZ operator (package data), in file order."""
    text = resources.files("netvigil.geo").joinpath("data/kz_prefixes.tsv").read_text()
    out: dict[int, list[str]] = {asn: [] for asn in kazakhstan.ASNS}
    for line in text.splitlines():
        if line and not line.startswith(";"):
            prefix, asn = line.split("\t")
            out[int(asn)].append(prefix)
    return out


@dataclass(frozen=True, slots=True)
class ReplayFiles:
    """The files a replay wrote: the RIB snapshot and the RIS Live recording."""

    rib: Path
    updates: Path
    lines: int


def _share(timeline: Timeline, asn: int, time: int) -> float:
    """Routing share of an operator, or of its country when the timeline does not model it."""
    entity = f"asn:{asn}"
    known = set(timeline.entities())
    return timeline.routing(entity if entity in known else f"country:{kazakhstan.COUNTRY}", time)


def _message(time: float, peer: int, path: Sequence[int], announce: list[str], withdraw: list[str]) -> str:
    """One RIS Live ris_message line."""
    ip, asn = PEERS[peer]
    data: dict[str, Any] = {
        "timestamp": round(time, 2),
        "peer": ip,
        "peer_asn": str(asn),
        "id": f"{time:.2f}-{peer}",
        "host": "rrc00",
        "type": "UPDATE",
    }
    if announce:
        data |= {
            "path": list(path),
            "origin": "IGP",
            "announcements": [{"next_hop": ip, "prefixes": announce}],
        }
    if withdraw:
        data["withdrawals"] = withdraw
    return json.dumps({"type": "ris_message", "data": data}, separators=(",", ":"))


def as_path(peer: int, origin: int, prepend: int = 0) -> list[int]:
    """The AS path peer number ``peer`` gives to ``origin``: itself, its transit, the origin (prepended)."""
    return [PEERS[peer][1], TRANSITS[peer], *([origin] * (1 + prepend))]


class _Writer:
    """Writes the RIS Live lines of one replay and counts them."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.lines = 0

    def emit(
        self, time: float, peer: int, path: Sequence[int], announce: list[str], withdraw: list[str]
    ) -> None:
        for start in range(0, max(len(announce), len(withdraw)), 200):
            self.handle.write(
                _message(time, peer, path, announce[start : start + 200], withdraw[start : start + 200])
                + "\n"
            )
            self.lines += 1


def routed(timeline: Timeline, prefixes: dict[int, list[str]], time: int) -> dict[int, int]:
    """How many of each operator's prefixes are announced at ``time`` (the first ones of its list)."""
    return {asn: round(_share(timeline, asn, time) * len(p)) for asn, p in prefixes.items()}


def _bin_messages(
    out: _Writer,
    t: int,
    before: dict[int, int],
    now: dict[int, int],
    prefixes: dict[int, list[str]],
    rng: random.Random,
) -> None:
    """Everything the peers say during one bin."""
    for asn, plist in prefixes.items():
        gone, back = plist[now[asn] : before[asn]], plist[before[asn] : now[asn]]
        for peer in range(len(PEERS)):
            when = t + 3 * peer + rng.random()
            if gone:
                out.emit(when, peer, (), [], gone)
            if back:
                out.emit(when, peer, as_path(peer, asn), back, [])
    for _ in range(2):  # ordinary churn: a path change somewhere, in KZ and in the rest of the table
        asn = rng.choice(kazakhstan.ASNS)
        peer = rng.randrange(len(PEERS))
        if now[asn]:
            kz_prefix = rng.choice(prefixes[asn][: now[asn]])
            out.emit(t + rng.uniform(0, 290), peer, as_path(peer, asn, 1), [kz_prefix], [])
        out.emit(t + rng.uniform(0, 290), peer, as_path(peer, 64512, 1), [rng.choice(BACKGROUND)], [])
    if kazakhstan.UPDATE_BURST[0] <= t < kazakhstan.UPDATE_BURST[1]:
        for asn, plist in prefixes.items():
            for peer in range(len(PEERS)):
                out.emit(t + 5 + 20 * peer + rng.random(), peer, as_path(peer, asn, 2), plist[: now[asn]], [])


def write_replay(timeline: Timeline, workdir: Path, seed: int = 2022) -> ReplayFiles:
    """Write the RIB snapshot and the RIS Live recording of a timeline into ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    prefixes = kz_prefixes()
    rng = random.Random(seed)
    state = routed(timeline, prefixes, timeline.start)
    rib = workdir / f"rib.{timeline.start}.mrt.gz"
    with gzip.GzipFile(rib, "wb", mtime=0) as handle:  # mtime 0: same scenario, same bytes
        write_rib(handle, timeline.start, PEERS, rib_routes(prefixes, state))
    updates = workdir / f"ris-live.{timeline.start}.jsonl.gz"
    with io.TextIOWrapper(gzip.GzipFile(updates, "wb", mtime=0), encoding="utf-8") as text:
        out = _Writer(text)
        for t in range(timeline.start + timeline.step, timeline.end, timeline.step):
            now = routed(timeline, prefixes, t)
            _bin_messages(out, t, state, now, prefixes, rng)
            state = now
    return ReplayFiles(rib, updates, out.lines)


def rib_routes(
    prefixes: dict[int, list[str]], state: dict[int, int], peers: Sequence[int] = tuple(range(len(PEERS)))
) -> Iterator[tuple[str, list[tuple[int, bytes]]]]:
    """(prefix, per-peer attributes) of everything routed in ``state``, background first.

    ``peers`` are numbers in :data:`PEERS`; an entry's index is the peer's place in ``peers`` (its
    index in the RIB's peer table, written from ``[PEERS[i] for i in peers]``).
    """
    for prefix in BACKGROUND:
        yield (
            prefix,
            [(k, attributes([PEERS[i][1], TRANSITS[i], 64512], PEERS[i][0])) for k, i in enumerate(peers)],
        )
    for asn, plist in prefixes.items():
        for prefix in plist[: state[asn]]:
            yield prefix, [(k, attributes(as_path(i, asn), PEERS[i][0])) for k, i in enumerate(peers)]
