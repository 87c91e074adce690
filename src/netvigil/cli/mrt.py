"""``netvigil mrt …`` (read MRT archives the way bgpdump does) and the BGP ``ingest`` commands."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netvigil.cli.common import (
    DbOption,
    console,
    download_progress,
    err_console,
    fail,
    file_progress,
    handles_errors,
)
from netvigil.sources.gc_pause import paused_gc
from netvigil.sources.mrt import ParseReport, dump_text, require_records
from netvigil.sources.ris_live import RIS_LIVE_URL, ris_live_url

if TYPE_CHECKING:
    from netvigil.pipeline.bgp import BgpIngestResult

app = typer.Typer(help="Read MRT archives (RouteViews, RIPE RIS): TABLE_DUMP, TABLE_DUMP_V2, BGP4MP(_ET).")

_BATCH = 1 << 20


def report_damage(path: Path, report: ParseReport) -> None:
    """Tell on stderr what was skipped in a file, with byte offsets and record numbers."""
    if not report.damaged or not report.records:
        return
    err_console.print(
        f"[yellow]warning:[/] {path}: {report.damaged} damaged record(s) skipped; "
        f"{report.records:,} whole records, {report.elements:,} elements read",
        highlight=False,
        soft_wrap=True,
    )
    for damage in report.damage[:10]:
        err_console.print(f"  {path}: {damage}", highlight=False, markup=False, soft_wrap=True)


def _write_text(chunks: Iterator[bytes]) -> None:
    """Write the text in batches of about 1 MiB; what was decoded before an error is still written."""
    sys.stdout.flush()
    out = sys.stdout.buffer
    batch: list[bytes] = []
    size = 0
    try:
        for chunk in chunks:
            batch.append(chunk)
            size += len(chunk)
            if size >= _BATCH:
                out.write(b"".join(batch))
                batch.clear()
                size = 0
    finally:
        out.write(b"".join(batch))
        out.flush()


@app.command("dump")
@handles_errors
def dump(
    file: Annotated[Path, typer.Argument(help="MRT file: plain, .gz or .bz2 (by its name).")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop with exit code 2 at the first damaged record.")
    ] = False,
) -> None:
    """Print one line per BGP element in the layout of `bgpdump -m` (contract 3.4).

    RIB entries are B lines, announcements A, withdrawals W, session changes STATE. By default a
    damaged record is skipped and reported on stderr (byte offset in the decompressed stream,
    record number) and a file cut short gives every whole record before the cut; the exit code
    is 2 only when nothing could be read. With --strict the first damage stops with exit code 2.

    Example: netvigil mrt dump updates.20160811.1600.gz | grep '|W|'
    """
    report = ParseReport()
    try:
        with paused_gc():
            _write_text(dump_text(file, report, strict=strict))
    except BrokenPipeError:
        return
    report_damage(file, report)
    require_records(file, report)


StepOption = Annotated[int, typer.Option("--step", help="Bin width in seconds.")]
FullFeedOption = Annotated[
    int,
    typer.Option("--full-feed", help="A peer is full-feed above this many IPv4 prefixes (IODA: 400k)."),
]
FullFeed6Option = Annotated[
    int, typer.Option("--full-feed-v6", help="A peer is full-feed above this many IPv6 prefixes.")
]
MmdbOption = Annotated[
    Path | None,
    typer.Option("--mmdb", help="MaxMind-format .mmdb (City layout) to map prefixes to regions."),
]
RegistryOption = Annotated[
    bool,
    typer.Option(
        "--registry/--no-registry",
        help="Map ASes missing from the operator table to a country with geoip2fast's offline data.",
    ),
]


def _print_result(result: BgpIngestResult) -> None:
    """Say what an ingest wrote, and what it skipped."""
    for path, report in result.reports.items():
        report_damage(Path(path), report)
    if result.skipped:
        console.print("already ingested (same files, same settings), nothing to do")
    else:
        console.print(f"{result.points:,} points ({result.source})", highlight=False)


@handles_errors
def ingest_mrt(
    files: Annotated[
        list[Path], typer.Argument(help="MRT files in time order: a RIB dump first, then UPDATES.")
    ],
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first damaged record.")] = False,
    step: StepOption = 300,
    full_feed: FullFeedOption = 400_000,
    full_feed_v6: FullFeed6Option = 100_000,
    mmdb: MmdbOption = None,
    registry: RegistryOption = True,
    db: DbOption = None,
) -> None:
    """Replay MRT files into the bgp, bgp6 and bgp_updates signals per AS, country (and region).

    The files go through one routing table in the order given, so give the RIB snapshot first.
    A damaged record is skipped and reported (--strict: stop, write nothing). Ingesting the same
    files with the same settings again changes nothing.

    Example: netvigil ingest mrt rib.20220105.0800.bz2 updates.20220105.0800.bz2 updates.20220105.0815.bz2
    """
    from netvigil.pipeline.bgp import default_mapper, ingest_bgp_files  # noqa: PLC0415 - heavy, not for dump
    from netvigil.sources.bgp_visibility import VisibilityConfig  # noqa: PLC0415
    from netvigil.store import open_store  # noqa: PLC0415

    config = VisibilityConfig(step=step, full_feed_v4=full_feed, full_feed_v6=full_feed_v6)
    with open_store(db) as store, file_progress() as progress:
        result = ingest_bgp_files(
            store,
            files,
            config=config,
            mapper=default_mapper(mmdb, registry),
            strict=strict,
            progress=progress,
        )
    _print_result(result)


LATEST = "latest"


def _seed_files(rib: str | None, host: str | None) -> list[Path]:
    """The files the live table starts from: none, the RIB given, or RIS's latest RIB and updates."""
    if rib is None:
        return []
    if rib != LATEST:
        return [Path(rib)]
    import time  # noqa: PLC0415

    from netvigil.sources.bgp_archive import RIS, latest_table  # noqa: PLC0415
    from netvigil.sources.http import SourceClient  # noqa: PLC0415

    with SourceClient(RIS.settings) as client, download_progress() as progress:
        fetched = latest_table(
            RIS, client, int(time.time()), collectors=[host] if host else None, progress=progress
        )
    for gap in fetched.gaps:
        err_console.print(f"[yellow]warning:[/] {gap}", highlight=False, soft_wrap=True)
    if not fetched.files:
        raise fail("no RIS RIB could be downloaded to start from; give a RIB file with --rib PATH")
    return fetched.paths


@handles_errors
def ingest_ris_live(
    files: Annotated[
        list[Path] | None, typer.Argument(help="RIS Live recordings: ris_message JSON, one per line.")
    ] = None,
    live: Annotated[bool, typer.Option("--live", help="Follow the RIS Live websocket instead.")] = False,
    rib: Annotated[
        str | None,
        typer.Option(
            "--rib",
            help="MRT RIB snapshot (PATH) to start the routing table from; with --live also 'latest': "
            "download the newest RIS RIB of --host (else $NETVIGIL_RIS_COLLECTORS, else rrc00) and "
            "the updates since, from $NETVIGIL_RIS_URL.",
        ),
    ] = None,
    host: Annotated[str | None, typer.Option("--host", help="Live: only this collector (rrc00…).")] = None,
    prefix: Annotated[
        str | None, typer.Option("--prefix", help="Live: only this prefix and more specifics.")
    ] = None,
    peer: Annotated[str | None, typer.Option("--peer", help="Live: only this peer address.")] = None,
    seconds: Annotated[float | None, typer.Option("--seconds", help="Live: stop after this long.")] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help=f"Live: websocket address [default: $NETVIGIL_RIS_LIVE_URL, else {RIS_LIVE_URL}]"
        ),
    ] = None,
    step: StepOption = 300,
    full_feed: FullFeedOption = 400_000,
    full_feed_v6: FullFeed6Option = 100_000,
    mmdb: MmdbOption = None,
    registry: RegistryOption = True,
    db: DbOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Files: stop with exit code 2 at the first bad line.")
    ] = False,
) -> None:
    """Turn RIS Live messages into the bgp, bgp6 and bgp_updates signals.

    From files (a bad line is skipped and reported by its number; with --strict it stops with
    FILE:LINE and nothing is written) or, with --live, from the
    websocket: it subscribes with the filters given, reconnects with backoff when dropped, and
    writes each 5-minute bin as it closes. With --rib the routing table starts from that RIB
    snapshot, so the first bin already counts every visible prefix.

    Example: netvigil ingest ris-live --live --host rrc00 --rib latest --seconds 600
    """
    import asyncio  # noqa: PLC0415 - these are heavy and not needed by `mrt dump`

    from netvigil.pipeline.bgp import default_mapper, ingest_bgp_files, ingest_ris_live_stream  # noqa: PLC0415
    from netvigil.sources.bgp_visibility import VisibilityConfig  # noqa: PLC0415
    from netvigil.sources.ris_live import LiveOptions  # noqa: PLC0415
    from netvigil.store import open_store  # noqa: PLC0415

    config = VisibilityConfig(step=step, full_feed_v4=full_feed, full_feed_v6=full_feed_v6)
    mapper = default_mapper(mmdb, registry)
    if live == bool(files):
        raise fail("give RIS Live files, or --live (not both)")
    if rib == LATEST and not live:
        raise fail("--rib latest follows the live stream: add --live, or give a RIB file")
    with open_store(db) as store:
        if live:
            filters = {k: v for k, v in {"host": host, "prefix": prefix, "peer": peer}.items() if v}
            filters["type"] = "UPDATE"
            options = LiveOptions(url=url or ris_live_url(), filters=filters)
            seed = _seed_files(rib, host)
            reports: dict[str, ParseReport] = {}

            def said(attempt: int, delay: float) -> None:
                err_console.print(f"connection lost; reconnecting in {delay:.0f} s (attempt {attempt})")

            with file_progress() as progress:
                written = asyncio.run(
                    ingest_ris_live_stream(
                        store,
                        options,
                        config=config,
                        mapper=mapper,
                        seconds=seconds,
                        on_reconnect=said,
                        seed=seed,
                        reports=reports,
                        progress=progress,
                    )
                )
            for path, report in reports.items():
                report_damage(Path(path), report)
            console.print(f"{written:,} points written")
            return
        paths = ([Path(rib)] if rib else []) + list(files or [])
        with file_progress() as progress:
            result = ingest_bgp_files(
                store, paths, config=config, mapper=mapper, strict=strict, progress=progress
            )
    _print_result(result)
