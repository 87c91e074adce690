"""``netvigil monitor`` and ``compare`` end to end, against the loopback replays of January 2022."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netvigil.model.events import parse_iso
from netvigil.sim.replays import END, REPLAYS, serving
from netvigil.sim.services import ServiceHarness
from netvigil.sim.services_ioda import BLACKOUT_START, ioda_app
from netvigil.sources.ioda import DATASOURCES
from netvigil.store import open_store

REPLAYED = ",".join(replay.source for replay in REPLAYS)
MONITOR = ["monitor", "KZ", "--since", "14d", "--until", END, "--sources", REPLAYED, "--once"]
MONITOR.append("--no-progress")


def netvigil(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netvigil.cli", *args],
        capture_output=True, text=True, check=False, env={**os.environ, **env}, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def replays(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    cache = tmp_path_factory.mktemp("cache")
    with serving() as env:
        yield {**env, "NETVIGIL_CACHE_DIR": str(cache)}


@pytest.fixture(scope="module")
def monitored(replays: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    db = tmp_path_factory.mktemp("monitor") / "kz.duckdb"
    done = netvigil(*MONITOR, "--format", "jsonl", "--db", str(db), env=replays)
    assert done.returncode == 0, done.stderr
    return db, [json.loads(line) for line in done.stdout.splitlines()]


def test_monitor_finds_the_mobile_cut_the_blackout_and_almaty_back_first(
    monitored: tuple[Path, list[Any]],
) -> None:
    events = [{**e, "start": parse_iso(e["start"]), "end": parse_iso(e["end"])} for e in monitored[1]]
    national = [e for e in events if e["entity"] == "country:KZ" and e["scope"] == "national"]
    assert [e["kind"] for e in national] == ["blackout"]
    assert len(national) == 1 and abs(national[0]["start"] - BLACKOUT_START) <= 3600
    mobile = [e for e in events if "mobile" in e.get("network_kinds", []) or e["entity"] == "asn:29355"]
    assert mobile and min(e["start"] for e in mobile) < BLACKOUT_START - 12 * 3600
    almaty = [e for e in events if e["entity"] == "region:KZ-75"]
    assert almaty and almaty[-1]["end"] < national[0]["end"] - 12 * 3600


def test_every_replayed_source_came_in(monitored: tuple[Path, list[Any]]) -> None:
    db, _ = monitored
    with open_store(db) as store:
        sources = {r.source for r in store.foreign.fetches()}
    assert sources == {replay.source for replay in REPLAYS}


def test_compare_with_ioda_agrees(monitored: tuple[Path, list[Any]], replays: dict[str, str]) -> None:
    db, _ = monitored
    args = ["compare", "--with", "ioda", "-e", "country:KZ", "-e", "region:KZ-75", "--from", "2021-12-29"]
    done = netvigil(*args, "--until", END, "--format", "jsonl", "--db", str(db), env=replays)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["their_episodes"] == 2 and summary["recall"] == 1.0 and summary["precision"] == 1.0
    only = ["compare", "--with", "ioda", "-e", "country:KZ", "--from", "2021-12-29", "--until", END]
    country = netvigil(*only, "--offline", "--format", "jsonl", "--db", str(db), env=replays)
    assert abs(json.loads(country.stdout.splitlines()[-1])["median_start_delta"]) <= 3600
    table = netvigil(*args, "--until", END, "--offline", "--db", str(db), env={**replays, "COLUMNS": "100"})
    assert "recall 1.00" in table.stdout and "0 requests" not in table.stderr


def test_compare_with_oonis_verdicts(monitored: tuple[Path, list[Any]], replays: dict[str, str]) -> None:
    db, _ = monitored
    args = ["compare", "--with", "ooni", "-e", "country:KZ", "--from", "2021-12-29", "--until", END]
    done = netvigil(*args, "--offline", "--format", "jsonl", "--db", str(db), env=replays)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["netvigil_events"] >= 1 and summary["their_episodes"] >= 1 and summary["matched"] >= 1


def _stored(db: Path) -> tuple[list[tuple[str, str, int, float]], list[Any]]:
    with open_store(db) as store:
        points = sorted(
            (d.entity, d.signal, int(t), float(v))
            for d in store.read_series()
            if d.signal.startswith("ioda.")
            for t, v in zip(d.times, d.values, strict=True)
        )
        return points, store.foreign.read_events(source="ioda")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_backfill_resumes_without_fetching_twice_to_the_same_store(
    monitored: tuple[Path, list[Any]], replays: dict[str, str], tmp_path: Path, stop: signal.Signals
) -> None:
    whole, _ = monitored
    db = tmp_path / "resumed.duckdb"
    with ServiceHarness(ioda_app()).running() as ioda:
        env = {**replays, "NETVIGIL_IODA_URL": f"{ioda.base_url}/v2", "NETVIGIL_CACHE_DIR": str(tmp_path)}
        args = [sys.executable, "-m", "netvigil.cli", *MONITOR, "--sources", "ioda", "--db", str(db)]
        first = subprocess.Popen(
            args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 120
        while len(ioda.requests) < 40 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.02)
        first.send_signal(stop)
        _, err = first.communicate(timeout=120)
        assert first.returncode != 0 or stop == signal.SIGTERM, err
        before = [(r.path, r.query) for r in ioda.requests if r.path.startswith("/v2/signals")]
        ioda.requests.clear()
        again = netvigil(*MONITOR[:-1], "--sources", "ioda", "--db", str(db), env=env)
        assert again.returncode == 0, again.stderr
        after = [(r.path, r.query) for r in ioda.requests if r.path.startswith("/v2/signals")]
    assert after, "the first run was stopped before it finished"
    assert len(set(before) & set(after)) <= len(DATASOURCES), "only the window in flight is asked again"
    assert _stored(db) == _stored(whole)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["KZ", "--since", "99999999999d"], "older than any public source's data"),
        (["KZ", "--since", "14x"], "expected a length (14d, 36h, 90m) or a moment"),
        (["ZZ"], "ZZ: expected an ISO 3166-1 alpha-2 country code"),
        (["KZ", "--sources", "nope"], "unknown source 'nope'"),
        (["KZ", "--since", "2030-01-01", "--until", END], "must be before --until"),
    ],
)
def test_bad_options_are_one_clear_line_and_exit_2(args: list[str], said: str, tmp_path: Path) -> None:
    done = netvigil("monitor", *args, "--once", "--db", str(tmp_path / "x.duckdb"), env={})
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.duckdb").exists()
