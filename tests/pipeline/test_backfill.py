"""Backfill on a real LocalCluster: the same points as the single-process ingest, resumable, damage kept."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import astuple, fields
from pathlib import Path

import pytest

from netvigil.model.errors import InputError
from netvigil.model.measurements import MeasurementQuery
from netvigil.pipeline.backfill import Manifest, PartialSettings, backfill_bgp, backfill_ooni
from netvigil.pipeline.bgp import default_mapper, ingest_bgp_files
from netvigil.pipeline.cluster import ClusterSpec, connect
from netvigil.pipeline.ooni import import_ooni_file
from netvigil.sim.services import ServiceHarness
from netvigil.sim.services_bgp_archive import ArchiveReplay, archive_app
from netvigil.sources.bgp_visibility import VisibilityConfig
from netvigil.store import Store, open_store

UPDATES = Path(__file__).parents[1] / "fixtures" / "mrt" / "ris_updates.20160811.1600.gz"
RIB = Path(__file__).parents[1] / "fixtures" / "mrt" / "routeviews_rib.20140523.0600_first9073records.mrt.bz2"
CONFIG = VisibilityConfig(full_feed_v4=1000, full_feed_v6=1000)
"""Low full-feed lines, so the small RIB gives full-feed peers and bgp points, not only updates."""
ONE = ClusterSpec(workers=1)
CLI = "import sys; from netvigil.cli.main import main; sys.argv = ['netvigil', *sys.argv[1:]]; main()"


def day_of_files(folder: Path, count: int, rib: bool = False) -> list[Path]:
    """(A RIB, then) ``count`` copies of the 2016 RIS updates named as consecutive 5-minute files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "rib.20160811.1555.bz2"] if rib else []
    if rib:
        shutil.copyfile(RIB, paths[0])
    for k in range(count):
        path = folder / f"updates.20160811.{16 + (5 * k) // 60:02d}{(5 * k) % 60:02d}.gz"
        shutil.copyfile(UPDATES, path)
        paths.append(path)
    return paths


def stored(store: Store) -> list[tuple[str, str, list[tuple[int, float]]]]:
    """Every stored series with its points (floats compared exactly)."""
    return [
        (s.entity, s.signal, list(zip(s.times.tolist(), s.values.tolist(), strict=True)))
        for s in store.read_series()
    ]


def single_process(tmp_path: Path, paths: list[Path]) -> list[tuple[str, str, list[tuple[int, float]]]]:
    """What ``netvigil ingest mrt`` writes for the files."""
    with open_store(tmp_path / "single.duckdb") as store:
        ingest_bgp_files(store, paths, config=CONFIG, mapper=default_mapper())
        return stored(store)


def backfilled(db: Path, paths: list[Path], spec: ClusterSpec, manifest: Path) -> tuple[int, int, list]:  # type: ignore[type-arg]
    """Backfill into ``db``: files read, files reused, what the store holds."""
    with open_store(db) as store:
        result = backfill_bgp(store, paths, spec, config=CONFIG, manifest_root=manifest)
        return result.read, result.reused, stored(store)


def test_one_and_two_workers_write_exactly_what_the_single_process_ingest_writes(tmp_path: Path) -> None:
    paths = day_of_files(tmp_path / "in", 2, rib=True)
    expected = single_process(tmp_path, paths)
    assert {signal for _, signal, _ in expected} >= {"bgp", "bgp_updates"}
    one = backfilled(tmp_path / "one.duckdb", paths, ClusterSpec(workers=1), tmp_path / "m1")
    two = backfilled(tmp_path / "two.duckdb", paths, ClusterSpec(workers=2), tmp_path / "m2")
    assert one == (3, 0, expected)
    assert two == (3, 0, expected)


def test_a_killed_worker_changes_nothing_and_a_rerun_reads_no_finished_file(tmp_path: Path) -> None:
    paths = day_of_files(tmp_path / "in", 4)
    expected = single_process(tmp_path, paths)
    manifest_root = tmp_path / "manifest"
    with connect(ClusterSpec(workers=2)) as client:
        spec = ClusterSpec(scheduler=client.scheduler.address)
        victims = list(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_after_first_file(path: Path, size: int, reused: bool) -> None:
            if not killed:
                killed.append(victims[0])
                os.kill(victims[0], signal.SIGKILL)

        with open_store(tmp_path / "killed.duckdb") as store:
            result = backfill_bgp(
                store, paths, spec, config=CONFIG, manifest_root=manifest_root, on_file=kill_after_first_file
            )
            assert (result.read, result.reused) == (4, 0)
            assert stored(store) == expected
    assert killed
    manifest = Manifest.for_settings(PartialSettings(), default_mapper().label, manifest_root)
    saved = {p: p.stat().st_mtime_ns for p in manifest.directory.iterdir()}
    assert manifest.finished() == 1  # the copies share a SHA-256: one partial
    again = backfilled(tmp_path / "again.duckdb", paths, ClusterSpec(workers=1), manifest_root)
    assert again == (0, 4, expected)
    assert {p: p.stat().st_mtime_ns for p in manifest.directory.iterdir()} == saved


def test_a_damaged_file_is_reported_with_its_byte_offset_and_the_good_files_are_kept(tmp_path: Path) -> None:
    paths = day_of_files(tmp_path / "in", 2)
    damaged = tmp_path / "in" / "updates.20160811.1610"
    data = bytearray(subprocess.run(["gzip", "-dc", str(UPDATES)], capture_output=True, check=True).stdout)
    data[40_000:40_012] = b"\xff" * 12
    damaged.write_bytes(bytes(data))
    paths.append(damaged)
    with open_store(tmp_path / "lenient.duckdb") as store:
        result = backfill_bgp(store, paths, ONE, config=CONFIG, manifest_root=tmp_path / "m")
    report = result.reports[str(damaged)]
    assert report.damaged >= 1 and "at byte" in str(report.damage[0]) and result.points > 0
    strict = PartialSettings(strict=True)
    with open_store(tmp_path / "strict.duckdb") as store:
        with pytest.raises(InputError, match=r"updates\.20160811\.1610.*byte"):
            backfill_bgp(store, paths, ONE, config=CONFIG, settings=strict, manifest_root=tmp_path / "s")
        assert stored(store) == []
    manifest = Manifest.for_settings(strict, default_mapper().label, tmp_path / "s")
    assert manifest.finished() >= 1


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``netvigil ARGS`` in a new process."""
    argv = [sys.executable, "-c", CLI, *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, check=False)


def test_the_whole_command_killed_then_run_again_writes_what_one_run_writes(tmp_path: Path) -> None:
    paths = day_of_files(tmp_path / "in", 6)
    env = {**os.environ, "NETVIGIL_CACHE_DIR": str(tmp_path / "cache")}
    args = ["backfill", "mrt", str(tmp_path / "in"), "--workers", "1", "--full-feed", "1000"]
    args += ["--full-feed-v6", "1000"]
    first = subprocess.Popen(
        [sys.executable, "-c", CLI, *args, "--db", str(tmp_path / "killed.duckdb")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    manifest_dir = tmp_path / "cache" / "backfill" / "mrt"
    while first.poll() is None and not list(manifest_dir.glob("*/*.partial")):
        time.sleep(0.01)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    again = run_cli(*args, "--db", str(tmp_path / "killed.duckdb"), env=env)
    assert again.returncode == 0, again.stderr
    with open_store(tmp_path / "killed.duckdb") as store:
        assert stored(store) == single_process(tmp_path, paths)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0", "x"], "--workers 0: need at least 1"),
        (["--workers", "2", "--scheduler", "tcp://h:1", "x"], "not both"),
        (["--scheduler", "h:1", "x"], "expected an address"),
        ([], "give MRT files or folders"),
        (["--from", "2022-01-05", "--until", "2022-01-04"], "must be after"),
        (["--from", "yesterday", "--until", "2022-01-04"], "--from 'yesterday'"),
        (["/no/such/file"], "no such file"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    done = run_cli("backfill", "mrt", *args, "--db", str(tmp_path / "x.duckdb"), env={**os.environ})
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


OONI = Path(__file__).parents[1] / "fixtures" / "ooni" / "ooni_backend_fastpath_fixtures.jsonl"


def ooni_files(folder: Path) -> list[Path]:
    """The OONI fixture cut into three files, the last with a malformed line at its end."""
    folder.mkdir()
    lines = OONI.read_bytes().splitlines(keepends=True)
    paths = []
    for k, part in enumerate((lines[:4], lines[4:8], [*lines[8:], b"not json\n"])):
        path = folder / f"part{k}.jsonl"
        path.write_bytes(b"".join(part))
        paths.append(path)
    return paths


def ooni_contents(store: Store) -> tuple[list, list]:  # type: ignore[type-arg]
    """Every stored measurement (without its received time, the moment of the import) and series."""
    rows = store.measurements.search(MeasurementQuery(limit=10_000))
    skip = [f.name for f in fields(rows[0])].index("received_at") if rows else 0
    kept = sorted(astuple(r)[:skip] + astuple(r)[skip + 1 :] for r in rows)
    return kept, stored(store)


def test_ooni_backfill_stores_the_rows_and_signal_the_import_stores(tmp_path: Path) -> None:
    paths = ooni_files(tmp_path / "in")
    with open_store(tmp_path / "import.duckdb") as store:
        for path in paths:
            import_ooni_file(store, path)
        expected = ooni_contents(store)
    assert len(expected[0]) == 11 and expected[1]
    with open_store(tmp_path / "backfill.duckdb") as store:
        result = backfill_ooni(store, paths, ClusterSpec(workers=2), manifest_root=tmp_path / "m")
        assert ooni_contents(store) == expected
    assert (result.read, result.accepted, result.files_read) == (11, 11, 3)
    assert [b.line for b in result.bad[str(paths[2])]] == [4]
    with open_store(tmp_path / "again.duckdb") as store:
        again = backfill_ooni(store, paths, ONE, manifest_root=tmp_path / "m")
        assert ooni_contents(store) == expected
    assert (again.files_read, again.reused) == (0, 3)


@pytest.fixture(scope="module")
def ris_replay() -> Iterator[ServiceHarness]:
    with ServiceHarness(archive_app(ArchiveReplay())).running() as running:
        yield running


def test_backfill_from_the_ris_archive_equals_ingest_of_the_downloaded_files(
    tmp_path: Path, ris_replay: ServiceHarness
) -> None:
    env = {
        **os.environ,
        "NETVIGIL_CACHE_DIR": str(tmp_path / "cache"),
        "NETVIGIL_RIS_URL": f"{ris_replay.base_url}/ris",
    }
    window = ["--from", "2022-01-05T08:00:00Z", "--until", "2022-01-05T08:20:00Z", "--collectors", "rrc00"]
    done = run_cli("backfill", "mrt", *window, "--workers", "1", "--db", str(tmp_path / "b.duckdb"), env=env)
    assert done.returncode == 0, done.stderr
    assert "5 files read" in done.stdout and "1 local worker" in done.stderr
    files = sorted((tmp_path / "cache" / "archives" / "ris").rglob("*.gz"))
    assert [f.name for f in files] == [
        "bview.20220105.0800.gz",
        "updates.20220105.0800.gz",
        "updates.20220105.0805.gz",
        "updates.20220105.0810.gz",
        "updates.20220105.0815.gz",
    ]
    with open_store(tmp_path / "b.duckdb") as backfilled_store, open_store(tmp_path / "i.duckdb") as single:
        result = ingest_bgp_files(single, files, mapper=default_mapper())
        assert result.skipped is False
        assert stored(backfilled_store) == stored(single)
