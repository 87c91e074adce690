"""BGP into the store: MRT archives and RIS Live messages → ``bgp`` / ``bgp6`` / ``bgp_updates``.

Both give one route stream (:mod:`netvigil.model.routes`), which the visibility aggregator takes
as it comes. Files given together are replayed in order through one routing table (a RIB snapshot
first, then updates), so the signal is continuous across them. The ingest is idempotent: its
record's hash covers every file's SHA-256 and the settings, and ingesting the same again changes
nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import time as clock
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from netvigil.geo.entities import default_registry
from netvigil.geo.routing import PrefixMapper
from netvigil.model.routes import Route
from netvigil.model.series import IngestRecord
from netvigil.model.signals import SignalPoint
from netvigil.sources import ris_live
from netvigil.sources.bgp_visibility import VisibilityAggregator, VisibilityConfig
from netvigil.sources.gc_pause import paused_gc
from netvigil.sources.mrt import ParseReport, read_routes, require_records
from netvigil.sources.textfile import sha256_of
from netvigil.store.protocol import SignalStore

ProgressFactory = Callable[[Path, int], Callable[[int], None]]
LIVE_REPORT: Final = "<RIS Live stream>"
"""The key, among a live ingest's reports, of the bad messages of the stream itself."""


@dataclass(slots=True)
class BgpIngestResult:
    """What one BGP ingest did: points written (0 when skipped) and each MRT file's parse report."""

    points: int = 0
    skipped: bool = False
    reports: dict[str, ParseReport] = field(default_factory=dict)
    source: str = ""


def default_mapper(mmdb: Path | None = None, registry: bool = True) -> PrefixMapper:
    """Operator table (+ geoip2fast registry data, + the user's .mmdb for regions)."""
    countries = {asn: op.country for asn, op in default_registry().operators.items()}
    return PrefixMapper(countries, registry=registry, mmdb=mmdb)


def is_ris_live_file(path: Path) -> bool:
    """RIS Live recordings are .jsonl (optionally compressed); anything else is read as MRT."""
    return ".jsonl" in path.suffixes


def _kept(
    chunks: Iterable[list[SignalPoint]], keep: Callable[[str], bool] | None, batch: int = 50_000
) -> Iterator[list[SignalPoint]]:
    """The points of the entities ``keep`` accepts (all when None), in batches of ``batch`` or more.

    Bins close every few minutes of input with a handful of points each; the store writes big
    batches much faster than many small ones.
    """
    pending: list[SignalPoint] = []
    for chunk in chunks:
        pending.extend(p for p in chunk if keep is None or keep(p.entity))
        if len(pending) >= batch:
            yield pending
            pending = []
    if pending:
        yield pending


def ingest_digest(hashes: Sequence[str], config: VisibilityConfig, label: str) -> str:
    """One hash for the whole ingest: each file's SHA-256, their order, and the settings.

    ``netvigil backfill`` records the same hash, so a backfill and an ``ingest mrt`` of the same
    files are one ingest: whichever runs second does nothing.
    """
    parts = [*hashes, repr(config), label]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def bgp_source(paths: Sequence[Path], mapper: PrefixMapper) -> str:
    """The ``source`` of the points: ``bgp:<inputs>:map=<mapping>`` (inputs: mrt, ris-live or both)."""
    kinds = {is_ris_live_file(p) for p in paths}
    return "bgp:" + "+".join(sorted("ris-live" if k else "mrt" for k in kinds)) + f":map={mapper.label}"


def write_bgp_points(
    store: SignalStore,
    chunks: Iterable[list[SignalPoint]],
    digest: str,
    paths: Sequence[Path],
    keep: Callable[[str], bool] | None = None,
) -> int:
    """Write the points of an ingest and its record in one transaction; how many were written."""
    record = IngestRecord(digest, " ".join(map(str, paths)), "bgp", 0, int(clock.time()))
    return store.ingest_signals(_kept(chunks, keep), record)


def file_routes(
    path: Path, reports: dict[str, ParseReport], strict: bool, progress: ProgressFactory | None
) -> Iterator[Route]:
    """The route stream of one file: RIS Live .jsonl, else MRT (its parse report kept in ``reports``).

    A RIS Live report counts lines as records, and its damage is the bad lines by number.
    """
    tick = progress(path, path.stat().st_size) if progress else None
    report = reports[str(path)] = ParseReport()
    if is_ris_live_file(path):
        return ris_live.read_jsonl(path, tick, report, strict=strict)
    return read_routes(path, report, strict=strict, progress=tick)


def ingest_bgp_files(
    store: SignalStore,
    paths: Sequence[Path],
    *,
    config: VisibilityConfig | None = None,
    mapper: PrefixMapper | None = None,
    strict: bool = False,
    progress: ProgressFactory | None = None,
    keep: Callable[[str], bool] | None = None,
) -> BgpIngestResult:
    """Replay MRT files and RIS Live .jsonl files, in the given order, into the visibility signals.

    A damaged MRT record, or a bad RIS Live line, is skipped and reported with where it is
    (``strict``: InputError, nothing written); a file with no readable MRT record (or RIS Live
    message) raises InputError and nothing is written. ``keep`` limits which entities are written.
    """
    config = config or VisibilityConfig()
    mapper = mapper or default_mapper()
    source = bgp_source(paths, mapper)
    result = BgpIngestResult(source=source)
    digest = ingest_digest([sha256_of(p) for p in paths], config, mapper.label)
    if store.is_ingested(digest) is not None:
        result.skipped = True
        return result
    agg = VisibilityAggregator(mapper.entities, source, config)

    def chunks() -> Iterator[list[SignalPoint]]:
        with paused_gc():
            for path in paths:
                yield from agg.feed(file_routes(path, result.reports, strict, progress))
                what = "RIS Live message" if is_ris_live_file(path) else "MRT record"
                require_records(path, result.reports[str(path)], what)
            yield agg.flush()

    result.points = write_bgp_points(store, chunks(), digest, paths, keep)
    return result


async def ingest_ris_live_stream(
    store: SignalStore,
    options: ris_live.LiveOptions,
    *,
    config: VisibilityConfig | None = None,
    mapper: PrefixMapper | None = None,
    seconds: float | None = None,
    on_points: Callable[[int], None] | None = None,
    on_reconnect: Callable[[int, float], None] | None = None,
    seed: Sequence[Path] = (),
    reports: dict[str, ParseReport] | None = None,
    progress: ProgressFactory | None = None,
) -> int:
    """Follow the RIS Live websocket, writing each bin's points as it closes; returns points written.

    ``seed`` files (a RIB snapshot, then maybe the update files after it; MRT or RIS Live .jsonl)
    are read first into the routing table, without writing their bins, so the first live bin
    already counts every prefix they route (a live stream alone starts from an empty table and
    sees only what changes). Their damaged records are skipped and reported in ``reports``, and
    so are the stream's bad messages (under :data:`LIVE_REPORT`, numbered in arrival order).
    Stops after ``seconds`` (None: never), or when the stream ends, then writes the open bin.
    """
    mapper = mapper or default_mapper()
    source = "bgp:" + ("mrt+ris-live" if seed else "ris-live") + f":map={mapper.label}"
    agg = VisibilityAggregator(mapper.entities, source, config)
    kept = reports if reports is not None else {}
    with paused_gc():
        for path in seed:
            agg.seed(file_routes(path, kept, False, progress))
    written = 0

    def write(points: list[SignalPoint]) -> None:
        nonlocal written
        if points:
            written += store.write_signals(points)
            if on_points:
                on_points(written)

    live = kept[LIVE_REPORT] = ParseReport()

    async def follow() -> None:
        async for message in ris_live.live_messages(options, on_reconnect):
            for points in agg.feed(ris_live.message_routes(message, live, live.records + live.damaged + 1)):
                write(points)

    import asyncio  # noqa: PLC0415 - only the live stream needs it; file ingest starts faster

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(follow(), timeout=seconds)
    write(agg.flush())
    return written
