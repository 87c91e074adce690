"""The watch loop: inbox files in, detection, alerts out; SIGTERM stops cleanly; a restart resumes."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from netvigil.model.alerts import AlertRule
from netvigil.model.events import EventFilter, iso
from netvigil.pipeline.watch import PENDING, Watcher
from netvigil.store import Store, open_store
from tests.alert.receiver import Receiver
from tests.serve import kzdata


def write_day_files(inbox: Path, entity: str = "country:KZ") -> list[Path]:
    """The KZ signals of one entity as one CSV file per day (written as .part, then renamed)."""
    by_day: dict[int, list[list[object]]] = {}
    for p in kzdata.points():
        if p.entity == entity:
            by_day.setdefault(p.time // 86_400, []).append([iso(p.time), p.entity, p.signal, p.value])
    files = []
    for day, rows in sorted(by_day.items()):
        part = inbox / f"day-{day}.csv.part"
        with part.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["time", "entity", "signal", "value"])
            writer.writerows(rows)
        final = part.with_suffix("")
        part.rename(final)
        os.utime(final, (day, day))
        files.append(final)
    return files


def test_one_round_ingests_detects_and_hands_on(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files = write_day_files(inbox)
    (inbox / "bad.csv").write_text("time,entity,signal,value\n2022-01-05T10:30:00Z,KZ,probe,1\n")
    (inbox / "half.csv.part").write_text("time,entity")
    seen: list[int] = []
    with open_store(tmp_path / "w.duckdb") as store:
        watcher = Watcher(store, inbox, after_round=lambda events, _: seen.append(len(events)))
        report = watcher.run_once()
        assert sorted(report.ingested) == sorted(f.name for f in files)
        assert report.failed == ["bad.csv"] and report.detected
        assert (
            "line 2" in (inbox / "failed" / "bad.csv.error").read_text()
            or ":2:" in (inbox / "failed" / "bad.csv.error").read_text()
        )
        assert (inbox / "half.csv.part").exists() and not list(inbox.glob("day-*.csv"))
        national = store.read_events(EventFilter(entities=["country:KZ"]))
        assert national and national[0].kind == "blackout"
        assert abs(national[0].start - kzdata.BLACKOUT_START) <= 3600
        assert seen == [report.events] and store.rollups.latest_time() == kzdata.END - 300
        again = watcher.run_once()
        assert again.ingested == [] and not again.detected and seen == [report.events, 0]


def test_a_pending_detection_survives_a_restart(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    calls: list[int] = []

    def detector(store: Store) -> list:  # type: ignore[type-arg]
        calls.append(1)
        return []

    with open_store(tmp_path / "w.duckdb") as store:
        store.state.set(PENDING, "1")
    with open_store(tmp_path / "w.duckdb") as store:
        assert Watcher(store, inbox, detector=detector).run_once().detected
        assert not Watcher(store, inbox, detector=detector).run_once().detected
    assert calls == [1]


def _watch(db: Path, inbox: Path, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "NETVIGIL_WEBHOOK_TIMEOUT": "5",
        "NETVIGIL_ALERT_BACKOFF_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",  # so the test can wait for the "running" line
    }
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "netvigil"),
            "watch",
            "--inbox",
            str(inbox),
            "--db",
            str(db),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def test_sigterm_stops_cleanly_and_restart_resumes_without_duplicates(
    tmp_path: Path, receiver: Receiver
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    db = tmp_path / "w.duckdb"
    with open_store(db) as store:
        rule = AlertRule("w1", "desk", "webhook", receiver.url, scope="national", secret="x" * 20)
        store.alerts.add_rule(rule)
    write_day_files(inbox)
    process = _watch(db, inbox, "--interval", "0.2")
    deadline = time.monotonic() + 120
    while not receiver.requests and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "SIGTERM" in output and "stopped" in output
    assert receiver.requests, output
    restart = _watch(db, inbox, "--once")
    restart.communicate(timeout=120)
    assert restart.returncode == 0
    steps = [(r["json"]["event"]["entity"], r["json"]["transition"]) for r in receiver.requests]
    assert len(steps) == len(set(steps))
    assert ("country:KZ", "started") in steps and ("country:KZ", "ended") in steps
    with open_store(db) as store:
        assert all(d.status == "sent" for d in store.alerts.list_deliveries())
    assert not list(inbox.glob("*.csv"))


def _wait_until_running(process: subprocess.Popen[str], timeout: float = 120.0) -> str:
    """Read the watcher's output until it says its SIGTERM handler is installed; return what it said.

    A fixed sleep raced the start-up: on a loaded machine the import alone took longer, and the
    signal killed the process before the handler existed.
    """
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if "netvigil watch: running" in line:
            return "".join(seen)
    raise AssertionError(f"watch did not start: {''.join(seen)}")


def test_sigterm_while_files_wait_keeps_them_for_the_next_run(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    db = tmp_path / "w.duckdb"
    open_store(db).close()
    process = _watch(db, inbox, "--interval", "0.2")
    started = _wait_until_running(process)
    files = write_day_files(inbox)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, started + output
    done = {p.name for p in (inbox / "done").glob("*.csv")} if (inbox / "done").exists() else set()
    waiting = {p.name for p in inbox.glob("*.csv")}
    assert done | waiting == {f.name for f in files} and not done & waiting
    _watch(db, inbox, "--once").communicate(timeout=120)
    assert not list(inbox.glob("*.csv"))
    with open_store(db) as store:
        assert store.rollups.latest_time() == kzdata.END - 300
        assert store.read_events(EventFilter(entities=["country:KZ"]))
