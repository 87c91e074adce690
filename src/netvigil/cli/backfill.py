"""``netvigil backfill mrt|ooni``: years of archives into the store, on Dask workers, resumable."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netvigil.cli.common import DbOption, console, download_progress, err_console, fail, handles_errors
from netvigil.cli.mrt import (
    FullFeed6Option,
    FullFeedOption,
    MmdbOption,
    RegistryOption,
    StepOption,
    report_damage,
)
from netvigil.cli.options import cluster_spec, parse_time

if TYPE_CHECKING:
    from netvigil.pipeline.cluster import ClusterSpec

app = typer.Typer(help="Backfill archives on Dask workers: one task per file, merged in order, resumable.")

MRT_SUFFIXES = (".gz", ".bz2", ".mrt", ".jsonl")
OONI_SUFFIXES = (".jsonl", ".jsonl.gz")

FilesArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Local MRT files or folders (their files, by name), in time order: RIB first. "
        "Instead of --from/--until.",
        show_default=False,
    ),
]
FromOption = Annotated[
    str | None,
    typer.Option("--from", help="Archive window start: 2022-01-05, 2022-01-05T10:30:00Z or Unix seconds."),
]
UntilOption = Annotated[str | None, typer.Option("--until", help="Archive window end (excluded).")]
CollectorsOption = Annotated[
    str | None,
    typer.Option(
        "--collectors",
        help="Comma-separated collectors: rrcNN from RIPE RIS ($NETVIGIL_RIS_URL), others from Route Views "
        "($NETVIGIL_ROUTEVIEWS_URL). Default: rrc00.",
    ),
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", help="Local worker processes (a Dask LocalCluster). Default: 1.")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option("--scheduler", help="A running Dask scheduler (tcp://host:8786) instead of local workers."),
]


def _cluster(workers: int | None, scheduler: str | None) -> ClusterSpec:
    """``--workers`` or ``--scheduler``, checked before any work starts; one local worker by default."""
    from netvigil.pipeline.cluster import ClusterSpec  # noqa: PLC0415 - help must stay light

    return cluster_spec(workers, scheduler) or ClusterSpec()


def local_files(given: list[Path], suffixes: tuple[str, ...] = MRT_SUFFIXES) -> list[Path]:
    """The files given, folders replaced by their archive files sorted by name (names sort by time)."""
    out: list[Path] = []
    for path in given:
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(suffixes)))
        elif path.is_file():
            out.append(path)
        else:
            raise fail(f"{path}: no such file or folder")
    if not out:
        raise fail("no archive file found in the folders given")
    return out


def archive_files(since: int, until: int, collectors: list[str]) -> list[Path]:
    """Download (or find in the cache) the RIBs then the updates of ``[since, until)``, in replay order."""
    from netvigil.sources.bgp_archive import RIS, ROUTEVIEWS  # noqa: PLC0415
    from netvigil.sources.http import SourceClient  # noqa: PLC0415

    ribs: list[Path] = []
    updates: list[tuple[int, int, Path]] = []
    for order, source in enumerate((RIS, ROUTEVIEWS)):
        names = [c for c in collectors if c.startswith("rrc") == (source is RIS)]
        if not names:
            continue
        with SourceClient(source.settings) as client, download_progress() as progress:
            fetched = source.fetch_window(client, since, until, collectors=names, progress=progress)
        for gap in fetched.gaps:
            err_console.print(f"[yellow]warning:[/] {gap}", highlight=False, soft_wrap=True)
        ribs.extend(f.local for f in fetched.files if f.kind == "rib")
        updates.extend((f.time, order, f.local) for f in fetched.files if f.kind == "updates")
    return ribs + [path for _, _, path in sorted(updates)]


@contextmanager
def _file_bar(total_files: int, total_bytes: int) -> Iterator[Callable[[Path, int, bool], None]]:
    """One rich bar over the run: files finished of all, bytes, speed; silent off a terminal."""
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        TextColumn("[bold]files"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[mib]:.1f}/{task.fields[total_mib]:.1f} MiB"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not sys.stderr.isatty(),
        transient=True,
    )
    done_bytes = 0

    def tick(path: Path, size: int, reused: bool) -> None:
        nonlocal done_bytes
        done_bytes += size
        progress.update(task, advance=1, mib=done_bytes / 2**20)

    with progress:
        task = progress.add_task("files", total=total_files, mib=0.0, total_mib=total_bytes / 2**20)
        yield tick


@app.command("mrt")
@handles_errors
def backfill_mrt(
    files: FilesArgument = None,
    since: FromOption = None,
    until: UntilOption = None,
    collectors: CollectorsOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first damaged record.")] = False,
    step: StepOption = 300,
    full_feed: FullFeedOption = 400_000,
    full_feed_v6: FullFeed6Option = 100_000,
    mmdb: MmdbOption = None,
    registry: RegistryOption = True,
    db: DbOption = None,
) -> None:
    """Replay MRT archives into the bgp, bgp6 and bgp_updates signals, one Dask task per file.

    The files are read on the workers in parallel and merged in archive order, so the store gets
    exactly what `netvigil ingest mrt` of the same files writes (whichever runs second does
    nothing). Each finished file is saved in a manifest under $NETVIGIL_CACHE_DIR/backfill: a run
    that is stopped (Ctrl-C, kill -9, a lost worker) reads only the files not yet finished when
    started again. Files come from the public archives (--from/--until, --collectors) or are given.

    Example: netvigil backfill mrt --from 2022-01-05 --until 2022-01-06 --collectors rrc00 --workers 2
    """
    from netvigil.pipeline.backfill import PartialSettings, backfill_bgp  # noqa: PLC0415 - heavy
    from netvigil.sources.bgp_visibility import VisibilityConfig  # noqa: PLC0415
    from netvigil.store import open_store  # noqa: PLC0415

    spec = _cluster(workers, scheduler)
    paths = _inputs(files, since, until, collectors)
    config = VisibilityConfig(step=step, full_feed_v4=full_feed, full_feed_v6=full_feed_v6)
    settings = PartialSettings(step, str(mmdb) if mmdb else None, registry, strict)
    err_console.print(f"backfill of {_files(len(paths))} on {spec.describe()}", highlight=False)
    started = time.monotonic()
    with open_store(db) as store, _file_bar(len(paths), sum(p.stat().st_size for p in paths)) as tick:
        result = backfill_bgp(store, paths, spec, config=config, settings=settings, on_file=tick)
    for path, report in result.reports.items():
        report_damage(Path(path), report)
    if result.skipped:
        console.print("already ingested (same files, same settings), nothing to do")
        return
    console.print(
        f"{result.points:,} points ({result.source}); {result.read} files read, {result.reused} from the "
        f"manifest; {result.elements:,} elements in {time.monotonic() - started:.1f} s",
        highlight=False,
    )


def _files(count: int) -> str:
    """``1 file``, ``24 files``."""
    return f"{count:,} file{'s' if count != 1 else ''}"


def _window(since: str, until: str) -> tuple[int, int]:
    """``--from`` and ``--until`` as Unix seconds, the end after the start."""
    start, end = parse_time(since, "--from"), parse_time(until, "--until")
    if start is None or end is None or end <= start:
        raise fail(f"--until {until} must be after --from {since}")
    return start, end


def _inputs(
    files: list[Path] | None, since: str | None, until: str | None, collectors: str | None
) -> list[Path]:
    """The files of the run: those given, or the archive window's (checked: one way, whole window)."""
    if files and (since or until or collectors):
        raise fail("give files, or --from/--until (with --collectors), not both")
    if files:
        return local_files(files)
    if not (since and until):
        raise fail("give MRT files or folders, or an archive window: --from and --until")
    start, end = _window(since, until)
    names = [c.strip() for c in (collectors or "rrc00").split(",") if c.strip()]
    return archive_files(start, end, names)


@app.command("ooni")
@handles_errors
def backfill_ooni(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Local OONI files (.jsonl, .jsonl.gz) or folders (their files, by name). "
            "Instead of --from/--until.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="Archive window start (upload hours): 2022-01-05, ISO 8601.")
    ] = None,
    until: UntilOption = None,
    countries: Annotated[
        str | None,
        typer.Option(
            "--countries",
            help="Comma-separated ISO country codes: the OONI S3 archive ($NETVIGIL_OONI_ARCHIVE_URL) is "
            "laid out by country. Needed with --from/--until.",
        ),
    ] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    no_body: Annotated[
        bool, typer.Option("--no-body", help="Keep only envelope and verdict, not the raw measurement.")
    ] = False,
    step: Annotated[int, typer.Option(help="Bin width of the reachability signal, seconds.")] = 3600,
    db: DbOption = None,
) -> None:
    """Import OONI measurement files on Dask workers: the rows and signal `netvigil ooni import` gives.

    Each file is parsed and classified on a worker; the client stores the measurements in file
    order (new ids only) and refreshes the reachability signal once. Finished files are saved in a
    manifest under $NETVIGIL_CACHE_DIR/backfill, so a stopped run reads only what is left. Files
    come from OONI's S3 archive (--from/--until, --countries: whole files of those upload hours)
    or are given.

    Example: netvigil backfill ooni --from 2022-01-05 --until 2022-01-06 --countries KZ --workers 2
    """
    from netvigil.cli.ooni import report_bad_lines  # noqa: PLC0415 - heavy (the store), not for --help
    from netvigil.pipeline.backfill import backfill_ooni as run_backfill  # noqa: PLC0415
    from netvigil.store import open_store  # noqa: PLC0415

    spec = _cluster(workers, scheduler)
    paths = _ooni_inputs(files, since, until, countries)
    err_console.print(f"backfill of {_files(len(paths))} on {spec.describe()}", highlight=False)
    started = time.monotonic()
    with open_store(db) as store, _file_bar(len(paths), sum(p.stat().st_size for p in paths)) as tick:
        result = run_backfill(store, paths, spec, keep_body=not no_body, step=step, on_file=tick)
    for path, bad in result.bad.items():
        report_bad_lines(Path(path), bad)
    console.print(
        f"{result.read:,} measurements, {result.accepted:,} new, {result.signal_points:,} reachability "
        f"points; {_files(result.files_read)} read, {result.reused} from the manifest "
        f"in {time.monotonic() - started:.1f} s",
        highlight=False,
    )


def _ooni_inputs(
    files: list[Path] | None, since: str | None, until: str | None, countries: str | None
) -> list[Path]:
    """The OONI files of the run: those given, or the archive's files of the countries and hours."""
    if files and (since or until or countries):
        raise fail("give files, or --from/--until with --countries, not both")
    if files:
        return local_files(files, OONI_SUFFIXES)
    if not (since and until and countries):
        raise fail("give OONI files or folders, or an archive window: --from, --until and --countries")
    start, end = _window(since, until)
    codes = [c.strip().upper() for c in countries.split(",") if c.strip()]
    from netvigil.sources.http import SourceClient  # noqa: PLC0415
    from netvigil.sources.ooni_api import ARCHIVE_SETTINGS, OoniArchiveSource  # noqa: PLC0415

    source = OoniArchiveSource()
    with SourceClient(ARCHIVE_SETTINGS) as client:
        return [path for code in codes for _, path in source.download_files(client, code, start, end)]
