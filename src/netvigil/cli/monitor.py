"""``netvigil monitor``: watch countries from public data, baseline backfilled first."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import typer

from netvigil.cli.common import DbOption, console, err_console, fail, handles_errors
from netvigil.cli.detect import Format, FormatOption, print_events
from netvigil.cli.options import parse_time
from netvigil.cli.serve import HostOption, PortOption, SettingOption, WatchOptions, _settings, run_watch
from netvigil.geo.entities import default_registry
from netvigil.model.errors import InputError
from netvigil.model.events import iso, parse_iso, parse_span
from netvigil.model.foreign import SourceReport, Window
from netvigil.pipeline.analyse import run_detection
from netvigil.pipeline.monitor import DEFAULT_SOURCES, Backfill, Fetched, Follower, watchlist
from netvigil.pipeline.rollups import ensure_rollups
from netvigil.sources import public
from netvigil.sources.public import MeasurementSource
from netvigil.store import open_store

EARLIEST = parse_iso("1999-01-01T00:00:00Z")
"""The oldest start ``--since`` accepts: the RIS archive begins in 1999, every other source later."""
LIVE_LOOKBACK = 2 * 86_400
"""How far back each live round looks for windows not yet complete."""


def _since(text: str, until: int) -> int:
    """``--since``: a length back from ``until`` (``14d``) or a moment (a date, ISO 8601, Unix seconds).

    A start before :data:`EARLIEST` is refused: no public source reaches back so far, and a
    window plan over centuries would never end.
    """
    if text[:1].isdigit() and text[-1:] in "smhdw" and not text.isdigit():
        start = until - parse_span(text, "--since")
    else:
        try:
            start = parse_time(text, "--since") or until
        except InputError:
            expected = "a length (14d, 36h, 90m) or a moment (2022-01-05)"
            raise fail(f"--since {text!r}: expected {expected}") from None
    if start < EARLIEST:
        raise fail(f"--since {text}: reaches before {iso(EARLIEST)}, older than any public source's data")
    return start


def _sources(text: str | None) -> list[str]:
    """``--sources``: names separated by commas, each checked against the registry."""
    if text is None:
        return [name for name in DEFAULT_SOURCES if name in public.names()]
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        public.get(name)
    return names


def _countries(codes: Sequence[str]) -> list[str]:
    """Country codes as ISO 3166-1 alpha-2, upper case; anything else (``ZZ``, ``KZX``) is refused."""
    found = [code.upper() for code in codes]
    registry = default_registry()
    for code in found:
        try:
            registry.get(f"country:{code}")
        except InputError:
            raise fail(f"{code}: expected an ISO 3166-1 alpha-2 country code such as KZ or IR") from None
    return found


@contextmanager
def _progress(run: Backfill, since: int, until: int, enabled: bool) -> Iterator[None]:
    """A rich progress bar per source, advanced window by window."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err_console)
    tasks = {n: bars.add_task(f"backfill {n}", total=len(run.plan(n, since, until))) for n in run.sources}

    def advance(name: str, _entity: str, _window: Window, _fetched: Fetched) -> None:
        bars.advance(tasks[name])

    run.on_window = advance
    if not enabled:
        yield
        return
    with bars:
        yield


def print_reports(reports: Sequence[SourceReport]) -> None:
    """One line per source: what came in and what it cost; each failure on its own line."""
    for r in reports:
        size = r.bytes / 1e6
        err_console.print(
            f"{r.source}: {r.points} points, {r.events} events, {r.requests} requests, "
            f"{size:.1f} MB, {r.cache_hits} from cache, {r.retries} retries"
        )
        for failure in r.failures:
            err_console.print(f"  [yellow]skipped[/] {failure}")


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM or Ctrl-C ends the backfill after the window in progress (stored whole, or not at all)."""

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        err_console.print(f"netvigil monitor: {signal.Signals(signum).name}, stopping after this window")
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@handles_errors
def monitor_command(
    countries: Annotated[list[str], typer.Argument(help="Countries (ISO 3166-1 alpha-2), e.g. KZ IR.")],
    since: Annotated[
        str, typer.Option(help="Baseline to backfill: a length back from --until (14d, 36h) or a moment.")
    ] = "14d",
    until: Annotated[
        str | None,
        typer.Option(help="End of the backfill (ISO 8601 or Unix seconds; default now). A past end means "
        "a backfill and one detection, no live phase (e.g. to replay an old shutdown)."),
    ] = None,
    sources: Annotated[
        str | None,
        typer.Option(help=f"Sources, comma-separated (default {','.join(DEFAULT_SOURCES)}; or routeviews)."),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Backfill, detect once, print the events and exit (scripts, cron).")
    ] = False,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Also serve the dashboard, API.")] = False,
    fmt: FormatOption = Format.table,
    db: DbOption = None,
    interval: Annotated[float, typer.Option(min=10.0, help="Seconds between live rounds.")] = 300.0,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    setting: SettingOption = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bars.")] = True,
) -> None:
    """Watch countries from public data: backfill the baseline, detect, then follow the sources live.

    Each source (IODA, OONI, Cloudflare Radar, RIPE Atlas, RIS / Route Views archives) is asked
    window by window for the country, its operators' networks and its regions; every window is
    stored with a note in the store, so a restart fetches nothing twice. A source that is down,
    needs a token or answers garbage is reported and skipped; the others go on. Base URLs come
    from NETVIGIL_IODA_URL, NETVIGIL_OONI_URL, … (see docs/monitoring.md).

    Examples:
      netvigil monitor KZ --once                      backfill 14 days, detect, print, exit
      netvigil monitor KZ IR --serve --port 8000      and keep watching, with the dashboard
      netvigil monitor KZ --since 14d --until 2022-01-12T00:00:00Z --once --format jsonl

    """
    settings = _settings(setting)
    watch = watchlist(_countries(countries))
    names = _sources(sources)
    now = time.time()
    end = parse_time(until, "--until") or int(now)
    start = _since(since, end)
    if start >= end:
        raise fail(f"--since ({since}) must be before --until")
    stop = threading.Event()
    with open_store(db) as store:
        backfill = Backfill(store, watch, names, stopping=stop.is_set)
        with _stop_on_signals(stop), _progress(backfill, start, end, progress):
            reports = backfill.run(start, end)
        print_reports(reports)
        if stop.is_set():
            err_console.print("netvigil monitor: stopped; run the same command again to resume")
            return
        ensure_rollups(store)
        events = run_detection(store)
        if once or end < now - LIVE_LOOKBACK:
            print_events(events, fmt)
            return
        backfill.stopping = lambda: False
        follower = Follower(backfill, LIVE_LOOKBACK)
        options = WatchOptions(None, interval, False, serve, host, port, name="monitor")
        run_watch(store, settings, options, collect=_reporting(follower))


def _reporting(follower: Follower) -> Callable[[], bool]:
    """The follower as the watch loop's collector, printing what each round brought."""

    def collect() -> bool:
        stored = follower()
        print_reports(follower.last_reports)
        return stored

    return collect


@handles_errors
def sources_command() -> None:
    """List the public sources: what each gives, where it is read from, and whether it needs a token."""
    for name in public.names():
        source = public.get(name)
        s = source.settings
        needs = " (required)" if s.token_required else ""
        token = f"; token in ${s.token_env}{needs}" if s.token_env else ""
        gives = ", ".join(source.signals) or "no signals of its own"
        if isinstance(source, MeasurementSource):
            gives += "; whole measurements for the OONI importer"
        console.print(f"[bold]{name}[/] ({s.label}): {gives}")
        console.print(f"  {s.default_url}  (${s.url_env}){token}; window {source.window // 3600} h")

