"""Backfill archives on Dask: one task per file, results merged in the archive's order, resumable.

MRT (``backfill_bgp``):

Each file becomes a :class:`~netvigil.sources.bgp_partial.FilePartial` on a worker (decoding and
mapping, the costly part); the client merges the partials in the files' order through one
:class:`~netvigil.sources.bgp_visibility.VisibilityAggregator` and writes every point with one
ingest record in one transaction, so the store holds exactly what ``netvigil ingest mrt`` of the
same files writes (the same points, bit for bit, and the same record: whichever runs second does
nothing). Workers read files, never the store.

OONI (``backfill_ooni``): each file's measurements become the store's rows on a worker (parsing
and classifying, the costly part); the client stores them file by file in the given order and
refreshes the reachability signal once over the time they cover — the rows ``netvigil ooni
import`` stores, and the same signal.

Every finished file's result is saved at once in the *manifest*,
``$NETVIGIL_CACHE_DIR/backfill/<mrt|ooni>/<settings digest>/<file SHA-256>.partial`` (written to a
temporary name, then renamed), so a run killed at any point — a worker, or the whole command —
starts again where it stopped: files whose result is saved are not read again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
import time as clock
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Generic, Protocol, TypeVar

from netvigil.geo.registry import cache_dir
from netvigil.geo.routing import PrefixMapper
from netvigil.model.errors import InputError
from netvigil.model.signals import SignalPoint
from netvigil.pipeline.bgp import bgp_source, default_mapper, file_routes, ingest_digest, write_bgp_points
from netvigil.pipeline.cluster import ClusterSpec, connect, run_tasks
from netvigil.pipeline.ooni import measurement_rows, store_rows
from netvigil.pipeline.reachability import DEFAULT_STEP
from netvigil.sources.bgp_partial import (
    PARTIAL_VERSION,
    FilePartial,
    PartialMapper,
    merge_partial,
    partial_of,
)
from netvigil.sources.bgp_visibility import VisibilityAggregator, VisibilityConfig
from netvigil.sources.gc_pause import paused_gc
from netvigil.sources.mrt import ParseReport, require_records
from netvigil.sources.ooni import BadLine, read_jsonl
from netvigil.sources.textfile import sha256_of
from netvigil.store.protocol import SignalStore, Store

MANIFEST_SUFFIX: Final = ".partial"

S = TypeVar("S")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class PartialSettings:
    """What a file's partial depends on: the bin width and the prefix mapping (not the full-feed lines)."""

    step: int = 300
    mmdb: str | None = None
    registry: bool = True
    strict: bool = False

    def digest(self, mapper_label: str) -> str:
        """The manifest key of these settings (the mapping's label names its data's version)."""
        text = f"v{PARTIAL_VERSION}|step={self.step}|map={mapper_label}|mmdb={self.mmdb}|reg={self.registry}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class FileTask:
    """One file to read on a worker: its place in the run, its path, its SHA-256, the settings."""

    index: int
    path: str
    sha256: str
    settings: PartialSettings


@dataclass(slots=True)
class FileResult:
    """What a worker sends back for one file: its partial, its parse report, its size in bytes."""

    partial: FilePartial
    report: ParseReport | None
    size: int


@dataclass(slots=True)
class BackfillResult:
    """What a backfill did: points written, files read now and files taken from the manifest."""

    points: int = 0
    skipped: bool = False
    read: int = 0
    reused: int = 0
    elements: int = 0
    source: str = ""
    reports: dict[str, ParseReport] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def _worker_mapper(mmdb: str | None, registry: bool) -> PrefixMapper:
    """The prefix mapper of a worker process, loaded once per process and settings."""
    return default_mapper(Path(mmdb) if mmdb else None, registry)


def read_partial(task: FileTask) -> FileResult:
    """One file read into its partial, its parse report and its size."""
    path = Path(task.path)
    mapper = _worker_mapper(task.settings.mmdb, task.settings.registry)
    reports: dict[str, ParseReport] = {}
    with paused_gc():
        routes = file_routes(path, reports, task.settings.strict, None)
        partial = partial_of(routes, mapper.entities, task.settings.step)
    return FileResult(partial, reports.get(str(path)), path.stat().st_size)


@dataclass(frozen=True, slots=True)
class PackedResult(Generic[S]):
    """A file's result as the manifest saves it (``blob``), with its summary and size unpacked.

    The worker packs it, so the client only writes the bytes to the manifest (no pickling on the
    client, whose time bounds how well workers scale) and holds no file's result in memory: the
    merge reads each one back from the manifest in the files' order. The summary is what the
    client reports as files finish (an MRT parse report, an OONI file's bad lines).
    """

    blob: bytes
    summary: S
    size: int


def read_packed_partial(task: FileTask) -> PackedResult[ParseReport | None]:
    """The task: one MRT file's result packed for the manifest (on a worker; module-level for Dask)."""
    got = read_partial(task)
    return PackedResult(pack(got), got.report, got.size)


def pack(result: object) -> bytes:
    """A result as the manifest saves it: pickled, then compressed (fast)."""
    return zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 1)


class Manifest:
    """The finished files of a backfill: one saved :class:`FileResult` per file SHA-256."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def for_settings(
        cls, settings: PartialSettings, mapper_label: str, root: Path | None = None
    ) -> Manifest:
        """The MRT manifest of these settings under ``root`` (default the cache)."""
        return cls.at("mrt", settings.digest(mapper_label), root)

    @classmethod
    def at(cls, kind: str, key: str, root: Path | None = None) -> Manifest:
        """The manifest of one kind of input and settings key under ``root`` (default the cache)."""
        base = root if root is not None else cache_dir() / "backfill" / kind
        return cls(base / key)

    def path(self, sha256: str) -> Path:
        """Where a file's result is saved."""
        return self.directory / f"{sha256}{MANIFEST_SUFFIX}"

    def get(self, sha256: str) -> Any:
        """The saved result of a file, or None (never saved, or unreadable: then it is redone)."""
        try:
            loaded = pickle.loads(zlib.decompress(self.path(sha256).read_bytes()))
        except (OSError, zlib.error, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            return None
        return loaded

    def put(self, sha256: str, result: object) -> None:
        """Save a file's result atomically (see :meth:`put_packed`)."""
        self.put_packed(sha256, pack(result))

    def put_packed(self, sha256: str, data: bytes) -> None:
        """Save a file's packed result atomically: a temporary file in the directory, then a rename."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=MANIFEST_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.path(sha256))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def finished(self) -> int:
        """How many files have a saved result."""
        return sum(1 for _ in self.directory.glob(f"*{MANIFEST_SUFFIX}")) if self.directory.is_dir() else 0


FileDone = Callable[[Path, int, bool], None]
"""Told of each file as it is finished: its path, its size in bytes, whether the manifest had it."""


def backfill_bgp(
    store: SignalStore,
    paths: Sequence[Path],
    spec: ClusterSpec,
    *,
    config: VisibilityConfig | None = None,
    settings: PartialSettings | None = None,
    manifest_root: Path | None = None,
    on_file: FileDone | None = None,
) -> BackfillResult:
    """Replay ``paths`` (in this order, RIBs first) into the visibility signals on the cluster ``spec``.

    The result equals :func:`~netvigil.pipeline.bgp.ingest_bgp_files` on the same files; see the
    module docstring. A damaged record is skipped and reported (``settings.strict``: the task
    raises InputError, nothing is written, the files finished so far stay in the manifest); a file
    with no readable record raises InputError before anything is written, as `ingest mrt` does.
    """
    config = config or VisibilityConfig()
    settings = settings or PartialSettings(step=config.step)
    mapper = default_mapper(Path(settings.mmdb) if settings.mmdb else None, settings.registry)
    hashes = [sha256_of(p) for p in paths]
    digest = ingest_digest(hashes, config, mapper.label)
    result = BackfillResult(source=bgp_source(paths, mapper))
    if store.is_ingested(digest) is not None:
        result.skipped = True
        return result
    manifest = Manifest.for_settings(settings, mapper.label, manifest_root)
    reports = _finished_files(manifest, paths, hashes, FileResult, lambda r: r.report, on_file)
    result.reused = len(reports)
    todo = [
        FileTask(i, str(p), h, settings)
        for i, (p, h) in enumerate(zip(paths, hashes, strict=True))
        if i not in reports
    ]
    result.read = _run_and_save(
        manifest, spec, read_packed_partial, todo, _task_name, reports, paths, on_file
    )
    for index, path in enumerate(paths):
        report = reports[index]
        if report is not None:
            require_records(path, report)
            result.reports[str(path)] = report
            result.elements += report.elements
    aggregator_mapper = PartialMapper(mapper.entities)
    agg = VisibilityAggregator(aggregator_mapper, result.source, config)
    merged = _merged(agg, aggregator_mapper, _saved_in_order(manifest, hashes, FileResult))
    result.points = write_bgp_points(store, merged, digest, paths)
    return result


class _FileTaskLike(Protocol):
    """What the client needs of any file task: the file's place in the run and its SHA-256."""

    @property
    def index(self) -> int: ...

    @property
    def sha256(self) -> str: ...


T = TypeVar("T", bound=_FileTaskLike)


def _run_and_save(
    manifest: Manifest,
    spec: ClusterSpec,
    task_of: Callable[[T], PackedResult[S]],
    todo: Sequence[T],
    name: Callable[[T], str],
    summaries: dict[int, S],
    paths: Sequence[Path],
    on_file: FileDone | None,
) -> int:
    """Run the files the manifest lacks on the cluster; save each result the moment it arrives.

    Each file's summary goes into ``summaries`` by its place in the run; returns how many ran.
    """
    if not todo:
        return 0
    with connect(spec) as client:
        for task, got in run_tasks(client, spec, task_of, todo, name=name):
            manifest.put_packed(task.sha256, got.blob)
            summaries[task.index] = got.summary
            if on_file:
                on_file(paths[task.index], got.size, False)
    return len(todo)


def _saved_in_order(manifest: Manifest, hashes: Sequence[str], kind: type[R]) -> Iterator[R]:
    """Each file's saved result, read back from the manifest one at a time in the files' order."""
    for sha in hashes:
        saved = manifest.get(sha)
        if not isinstance(saved, kind):
            raise InputError(
                "a finished file's saved partial vanished or is damaged; run the backfill again",
                path=str(manifest.path(sha)),
            )
        yield saved


def _task_name(task: FileTask) -> str:
    """A task's key in Dask: unique within the run, readable in errors."""
    return f"backfill-{task.index}-{Path(task.path).name}"


class _SavedResult(Protocol):
    """What the manifest holds for any kind of file: at least the file's size in bytes."""

    @property
    def size(self) -> int: ...


F = TypeVar("F", bound=_SavedResult)


def _finished_files(
    manifest: Manifest,
    paths: Sequence[Path],
    hashes: Sequence[str],
    kind: type[F],
    summary_of: Callable[[F], S],
    on_file: FileDone | None,
) -> dict[int, S]:
    """The summaries of the files whose result (of ``kind``) the manifest holds, by place in the run."""
    done: dict[int, S] = {}
    for index, (path, sha) in enumerate(zip(paths, hashes, strict=True)):
        saved = manifest.get(sha)
        if isinstance(saved, kind):
            done[index] = summary_of(saved)
            if on_file:
                on_file(path, saved.size, True)
    return done


def _merged(
    agg: VisibilityAggregator, mapper: PartialMapper, results: Iterable[FileResult]
) -> Iterator[list[SignalPoint]]:
    """The points of the whole run: each file's partial merged in order, then the last bin."""
    with paused_gc():
        for got in results:
            mapper.learn(got.partial)
            yield merge_partial(agg, got.partial)
        yield agg.flush()


@dataclass(frozen=True, slots=True)
class OoniTask:
    """One OONI file to read on a worker: its place, path, SHA-256, and how its rows are made."""

    index: int
    path: str
    sha256: str
    keep_body: bool
    now: int


@dataclass(slots=True)
class OoniFileResult:
    """A worker's answer for one OONI file: the store's rows of its measurements, its bad lines, size."""

    rows: list[tuple[Any, ...]]
    bad: list[BadLine]
    size: int


@dataclass(slots=True)
class OoniBackfillResult:
    """What an OONI backfill did: rows read, new, files read now and from the manifest, bad lines."""

    read: int = 0
    accepted: int = 0
    signal_points: int = 0
    files_read: int = 0
    reused: int = 0
    bad: dict[str, list[BadLine]] = field(default_factory=dict)


def read_ooni_rows(task: OoniTask) -> OoniFileResult:
    """The task: parse and classify one OONI file into the store's rows (runs on a worker)."""
    path = Path(task.path)
    bad: list[BadLine] = []
    rows = list(measurement_rows(read_jsonl(path, bad), task.now, task.keep_body))
    return OoniFileResult(rows, bad, path.stat().st_size)


def read_packed_ooni_rows(task: OoniTask) -> PackedResult[list[BadLine]]:
    """The task: one OONI file's rows packed for the manifest, its bad lines beside (on a worker)."""
    got = read_ooni_rows(task)
    return PackedResult(pack(got), got.bad, got.size)


def backfill_ooni(
    store: Store,
    paths: Sequence[Path],
    spec: ClusterSpec,
    *,
    keep_body: bool = True,
    step: int = DEFAULT_STEP,
    manifest_root: Path | None = None,
    on_file: FileDone | None = None,
) -> OoniBackfillResult:
    """Import OONI files on the cluster ``spec``: the rows and signal ``netvigil ooni import`` gives.

    A malformed line is skipped and reported (in ``bad``, by file), as the import does.
    """
    manifest = Manifest.at("ooni", f"v1-body={keep_body}", manifest_root)
    hashes = [sha256_of(p) for p in paths]
    result = OoniBackfillResult()
    done = _finished_files(manifest, paths, hashes, OoniFileResult, lambda r: r.bad, on_file)
    result.reused = len(done)
    now = int(clock.time())
    todo = [
        OoniTask(i, str(p), h, keep_body, now)
        for i, (p, h) in enumerate(zip(paths, hashes, strict=True))
        if i not in done
    ]
    result.files_read = _run_and_save(
        manifest, spec, read_packed_ooni_rows, todo, _ooni_task_name, done, paths, on_file
    )
    result.bad = {str(p): done[i] for i, p in enumerate(paths) if done[i]}
    saved = _saved_in_order(manifest, hashes, OoniFileResult)
    stored = store_rows(store, (row for got in saved for row in got.rows), step=step)
    result.read, result.accepted, result.signal_points = stored.read, stored.accepted, stored.signal_points
    return result


def _ooni_task_name(task: OoniTask) -> str:
    """An OONI task's key in Dask."""
    return f"backfill-ooni-{task.index}-{Path(task.path).name}"
