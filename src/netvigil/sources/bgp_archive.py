"""RIPE RIS and Route Views MRT archives as public sources: the files of a time window, cached.

Both archives publish, per route collector, a RIB dump (TABLE_DUMP_V2) every few hours and the
BGP updates (BGP4MP) in between, in fixed directory layouts (API-SHAPES.md §5):

- RIS (``ris``, ``$NETVIGIL_RIS_URL``, default ``https://data.ris.ripe.net``):
  ``<rrcNN>/<YYYY.MM>/bview.YYYYMMDD.HHMM.gz`` every 8 h (00:00, 08:00, 16:00 UTC) and
  ``<rrcNN>/<YYYY.MM>/updates.YYYYMMDD.HHMM.gz`` every 5 minutes;
- Route Views (``routeviews``, ``$NETVIGIL_ROUTEVIEWS_URL``, default
  ``https://archive.routeviews.org``): ``<collector>/bgpdata/<YYYY.MM>/RIBS/rib.YYYYMMDD.HHMM.bz2``
  every 2 h and ``…/UPDATES/updates.YYYYMMDD.HHMM.bz2`` every 15 minutes. The original collector,
  ``route-views2``, lives at the root (``bgpdata/…``): that path works both on mirrors made before
  Route Views renamed it (2026-07-09) and on the live site, where it is a link to
  ``route-views2/bgpdata/…``; ``RouteViewsLayout(root_collectors=())`` asks for the new path.

The HHMM in a name is the file's start (UTC). Names are computed on that nominal grid, not read
from directory listings: one request per file, each cacheable by name.

:meth:`BgpArchiveSource.fetch_archives` returns, for ``[since, until)`` and every configured
collector (``$NETVIGIL_RIS_COLLECTORS`` / ``$NETVIGIL_ROUTEVIEWS_COLLECTORS``, comma-separated;
``rrc00`` and ``route-views2`` by default), the local files in replay order: the RIBs at (or the
latest before) ``since`` first, then the update files from each RIB's time up to ``until``, by
start time (collectors interleaved, so the replay moves forward in time across them). ``window``
is the RIB period, so each aligned window is self-contained: a RIB at its start, then its updates.

Missing files (the archive answers 404) follow one rule. A missing **update** file is a *gap*:
it is reported and the replay goes on with the next one (the routes it held are missed; the next
RIB repairs the table). A missing **RIB** falls back to the previous RIB time, up to
``rib_fallbacks`` periods back, and the updates are then taken from that earlier RIB on, so the
table is still current at ``since``; a collector with no RIB at all is skipped for the window and
reported. Any other failure (500 or 429 after the client's retries, offline, the disk) is raised:
the window is incomplete and must be fetched again later (the files already downloaded are kept).

Downloads go through :meth:`SourceClient.download` (``Range`` resume after a dropped connection,
retries) into ``$NETVIGIL_CACHE_DIR/archives/<source>/<host>/<path>``; a file already there is
not fetched again. The source computes no signal: the caller replays the files through the MRT
decoder into the visibility signals (:func:`netvigil.pipeline.bgp.ingest_bgp_files`), so
:meth:`fetch_signals` and :meth:`fetch_events` return nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal, Protocol

import httpx

from netvigil.geo.registry import cache_dir
from netvigil.model.errors import SourceError
from netvigil.model.foreign import ForeignEvent
from netvigil.model.signals import SignalPoint
from netvigil.sources.http import Progress, SourceClient, SourceSettings
from netvigil.sources.public import register

FileKind = Literal["rib", "updates"]
DownloadProgress = Callable[[str], Progress]
"""Given a file's name, the progress callback of its download (e.g. a new rich task per file)."""

RIS_SETTINGS: Final = SourceSettings(
    name="ris",
    label="RIPE RIS archive",
    default_url="https://data.ris.ripe.net",
    url_env="NETVIGIL_RIS_URL",
    read_timeout=120.0,
    min_interval=0.5,
)
ROUTEVIEWS_SETTINGS: Final = SourceSettings(
    name="routeviews",
    label="Route Views archive",
    default_url="https://archive.routeviews.org",
    url_env="NETVIGIL_ROUTEVIEWS_URL",
    read_timeout=120.0,
    min_interval=0.5,
)
RIB_FALLBACKS: Final = 3
"""How many RIB periods back a missing RIB is looked for before the collector is skipped."""
VISIBILITY_SIGNALS: Final = ("bgp", "bgp6", "bgp_updates")
"""What replaying the files gives (through ``ingest_bgp_files``), not what ``fetch_signals`` yields."""


def _stamp(time: int) -> str:
    """``YYYYMMDD.HHMM`` (UTC), the time in an archive file's name."""
    return datetime.fromtimestamp(time, UTC).strftime("%Y%m%d.%H%M")


def _month(time: int) -> str:
    """``YYYY.MM`` (UTC), an archive's month directory."""
    return datetime.fromtimestamp(time, UTC).strftime("%Y.%m")


def _iso(time: int) -> str:
    return datetime.fromtimestamp(time, UTC).strftime("%Y-%m-%d %H:%M")


class Layout(Protocol):
    """Where an archive keeps a collector's files, and how often it writes them (seconds)."""

    rib_period: int
    update_period: int

    def path(self, collector: str, kind: FileKind, time: int) -> str:
        """The file's path under the archive's base URL."""
        ...


class RisLayout:
    """RIPE RIS: ``rrcNN/YYYY.MM/bview.…gz`` every 8 h, ``rrcNN/YYYY.MM/updates.…gz`` every 5 min."""

    rib_period = 8 * 3600
    update_period = 300

    def path(self, collector: str, kind: FileKind, time: int) -> str:
        """``rrc00/2022.01/bview.20220105.0800.gz`` or ``rrc00/2022.01/updates.20220105.0805.gz``."""
        name = "bview" if kind == "rib" else "updates"
        return f"{collector}/{_month(time)}/{name}.{_stamp(time)}.gz"


class RouteViewsLayout:
    """Route Views: ``[collector/]bgpdata/YYYY.MM/RIBS/rib.…bz2`` every 2 h, ``…/UPDATES/…`` every 15 min.

    ``root_collectors`` are served at the archive's root (``bgpdata/…``) rather than under their name.
    """

    rib_period = 2 * 3600
    update_period = 900

    def __init__(self, root_collectors: Sequence[str] = ("route-views2",)) -> None:
        self.root_collectors = tuple(root_collectors)

    def path(self, collector: str, kind: FileKind, time: int) -> str:
        """``bgpdata/2022.01/RIBS/rib.20220105.0800.bz2`` or ``route-views.linx/bgpdata/…/UPDATES/…``."""
        top = "" if collector in self.root_collectors else f"{collector}/"
        directory, name = ("RIBS", "rib") if kind == "rib" else ("UPDATES", "updates")
        return f"{top}bgpdata/{_month(time)}/{directory}/{name}.{_stamp(time)}.bz2"


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    """One file of one collector: what it holds, when it starts, and its local copy."""

    collector: str
    kind: FileKind
    time: int
    local: Path


@dataclass(slots=True)
class ArchiveFetch:
    """The files of a window in replay order, and one line per file the archive did not have."""

    files: list[ArchiveFile] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        """The local files, in replay order."""
        return [f.local for f in self.files]


def _lazily(factory: DownloadProgress | None, name: str) -> Progress | None:
    """A progress callback that asks ``factory`` for its bar only once bytes arrive (not for cached files)."""
    if factory is None:
        return None
    made: list[Progress] = []

    def tick(done: int, total: int | None) -> None:
        if not made:
            made.append(factory(name))
        made[0](done, total)

    return tick


class BgpArchiveSource:
    """One MRT archive (RIS or Route Views): the RIB and update files of its collectors, by window.

    ``collectors`` overrides ``$<collectors_env>`` (comma-separated), which overrides ``default``;
    ``files_root`` overrides ``$NETVIGIL_CACHE_DIR/archives``. Both are read at fetch time.
    """

    def __init__(
        self,
        settings: SourceSettings,
        layout: Layout,
        default: Sequence[str],
        collectors_env: str,
        *,
        collectors: Sequence[str] | None = None,
        files_root: Path | None = None,
        rib_fallbacks: int = RIB_FALLBACKS,
    ) -> None:
        self.settings = settings
        self.layout = layout
        self.default = tuple(default)
        self.collectors_env = collectors_env
        self.chosen = tuple(collectors) if collectors is not None else None
        self.files_root = files_root
        self.rib_fallbacks = rib_fallbacks
        self.signals: tuple[str, ...] = VISIBILITY_SIGNALS
        self.window = layout.rib_period

    def collectors(self, env: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """The collectors fetched: the constructor's, else ``$<collectors_env>``, else the default."""
        if self.chosen is not None:
            return self.chosen
        listed = (os.environ if env is None else env).get(self.collectors_env, "")
        named = tuple(name.strip() for name in listed.split(",") if name.strip())
        return named or self.default

    def rib_times(self, since: int) -> list[int]:
        """The RIB at or before ``since``, then the earlier ones tried when it is missing, latest first."""
        period = self.layout.rib_period
        first = since - since % period
        return [first - k * period for k in range(self.rib_fallbacks + 1)]

    def update_times(self, start: int, until: int) -> list[int]:
        """The starts of the update files that hold ``[start, until)``."""
        period = self.layout.update_period
        return list(range(start - start % period, until, period))

    def local_path(self, client: SourceClient, path: str) -> Path:
        """Where the file at ``path`` is kept: ``<root>/<source>/<host>/<path>``."""
        root = self.files_root if self.files_root is not None else cache_dir() / "archives"
        host = httpx.URL(client.base_url).netloc.decode("ascii", "replace").replace(":", "_") or "_"
        return root / self.settings.name / host / path

    def fetch_window(
        self,
        client: SourceClient,
        since: int,
        until: int,
        *,
        collectors: Sequence[str] | None = None,
        progress: DownloadProgress | None = None,
    ) -> ArchiveFetch:
        """Download (or find cached) the files of ``[since, until)`` for each collector; see the module doc.

        ``since == until`` gives the RIB at ``since`` and the updates from its time to ``since``:
        the table as it is at that moment (what seeding a live stream needs).
        """
        fetch = ArchiveFetch()
        ribs: list[ArchiveFile] = []
        updates: list[tuple[int, int, ArchiveFile]] = []
        for order, collector in enumerate(collectors or self.collectors()):
            rib = self._rib(client, collector, since, fetch.gaps, progress)
            if rib is None:
                continue
            ribs.append(rib)
            for start in self.update_times(rib.time, max(until, since)):
                got = self._file(client, collector, "updates", start, fetch.gaps, progress)
                if got is not None:
                    updates.append((start, order, got))
        fetch.files = ribs + [file for _, _, file in sorted(updates, key=lambda u: u[:2])]
        return fetch

    def fetch_archives(
        self,
        client: SourceClient,
        since: int,
        until: int,
        *,
        progress: DownloadProgress | None = None,
        failures: list[str] | None = None,
    ) -> list[Path]:
        """The cached files of ``[since, until)`` in replay order; the gaps are appended to ``failures``."""
        fetch = self.fetch_window(client, since, until, progress=progress)
        if failures is not None:
            failures.extend(fetch.gaps)
        return fetch.paths

    def fetch_signals(
        self, client: SourceClient, entity: str, since: int, until: int
    ) -> Iterator[list[SignalPoint]]:
        """Nothing: the signals come from replaying :meth:`fetch_archives`' files."""
        return iter(())

    def fetch_events(self, client: SourceClient, entity: str, since: int, until: int) -> list[ForeignEvent]:
        """Nothing: the archives hold routes, not outage events."""
        return []

    def _rib(
        self,
        client: SourceClient,
        collector: str,
        since: int,
        gaps: list[str],
        progress: DownloadProgress | None,
    ) -> ArchiveFile | None:
        """The RIB at or before ``since``, else an earlier one; None (reported) when there is none."""
        times = self.rib_times(since)
        for time in times:
            got = self._file(client, collector, "rib", time, gaps, progress)
            if got is not None:
                return got
        gaps.append(
            f"{self.settings.label}: no RIB of {collector} from {_iso(times[-1])} to {_iso(times[0])}; "
            f"{collector} skipped for the window from {_iso(since)}"
        )
        return None

    def _file(
        self,
        client: SourceClient,
        collector: str,
        kind: FileKind,
        time: int,
        gaps: list[str],
        progress: DownloadProgress | None,
    ) -> ArchiveFile | None:
        """Download one file; a 404 is noted in ``gaps`` and gives None, any other failure is raised."""
        path = self.layout.path(collector, kind, time)
        dest = self.local_path(client, path)
        try:
            client.download(path, dest, _lazily(progress, dest.name))
        except SourceError as error:
            if error.kind != "not_found":
                raise
            period = self.layout.rib_period if kind == "rib" else self.layout.update_period
            what = "RIB" if kind == "rib" else "updates"
            gaps.append(
                f"{self.settings.label}: gap, no {what} of {collector} for "
                f"{_iso(time)}–{_iso(time + period)} UTC ({client.url(path)} answered 404)"
            )
            return None
        return ArchiveFile(collector, kind, time, dest)


def latest_table(
    source: BgpArchiveSource,
    client: SourceClient,
    now: int,
    *,
    collectors: Sequence[str] | None = None,
    progress: DownloadProgress | None = None,
) -> ArchiveFetch:
    """The files that rebuild each collector's table as it is at ``now``: its latest RIB, the updates since.

    Update files too recent to be published yet are gaps (reported, not fatal); a RIB not yet
    published falls back to the one before, as in :meth:`BgpArchiveSource.fetch_window`.
    """
    return source.fetch_window(client, now, now, collectors=collectors, progress=progress)


RIS: Final = BgpArchiveSource(RIS_SETTINGS, RisLayout(), ("rrc00",), "NETVIGIL_RIS_COLLECTORS")
ROUTEVIEWS: Final = BgpArchiveSource(
    ROUTEVIEWS_SETTINGS, RouteViewsLayout(), ("route-views2",), "NETVIGIL_ROUTEVIEWS_COLLECTORS"
)
register(RIS)
register(ROUTEVIEWS)
