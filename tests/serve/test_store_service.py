"""``serve`` and other commands at once: real processes on one DuckDB store, through the store service.

The store suite runs whole through the service (tests/store, param ``remote``); here are the
process-level promises: commands run while ``serve`` answers, a killed service is a clear error
and a stale endpoint is ignored, a killed client's transaction is rolled back, strangers are refused.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from netvigil.model.errors import StoreError
from netvigil.model.signals import SignalPoint
from netvigil.serve.store_service import store_service
from netvigil.store import open_store
from netvigil.store.backends import endpoint_path
from netvigil.store.remote import RemoteStore
from netvigil.store.service import Endpoint, live_endpoint, publish_endpoint

SCENARIO = "national_blackout-kz-0"


def netvigil(*args: str, db: Path | str) -> subprocess.CompletedProcess[str]:
    """One command in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "netvigil.cli", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(db: Path | str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``netvigil serve`` in a process of its own, once its API and its store service answer."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "netvigil.cli", "serve", "--db", str(db), "--port", str(port),
         "--setting", "rate_limit_per_minute=0", "--setting", "cache_seconds=0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{base}/api/v1/events").status_code == 200 and live_endpoint(
                    endpoint_path(db) or db
                ):
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=60)


@pytest.fixture(scope="module")
def signal_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenario")
    made = subprocess.run(
        [sys.executable, "-m", "netvigil.cli", "scenario", "make", SCENARIO, "--out", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    return folder / SCENARIO / "signals.csv.gz"


class Reader(threading.Thread):
    """Keeps asking the API while other processes work; every failure is kept."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.done = threading.Event()
        self.answers = 0
        self.failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.done.is_set():
                for path in ("/api/v1/events", "/api/v1/signals?entity=country:KZ&format=csv"):
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError as exc:
                        self.failures.append(f"{path}: {exc!r}")
                        continue
                    self.answers += 1
                    if status != 200:
                        self.failures.append(f"{path}: HTTP {status}")


STORES = {
    "duckdb": lambda folder: str(folder / "obs.duckdb"),
    "chdb": lambda folder: f"chdb://{folder / 'obs.chdb'}",
}


@pytest.mark.parametrize("backend", sorted(STORES))
def test_ingest_detect_events_and_report_run_while_serve_answers(
    signal_file: Path, tmp_path: Path, backend: str
) -> None:
    db = STORES[backend](tmp_path)
    with serving(db) as (_, base):
        reader = Reader(base)
        reader.start()
        ingested = netvigil("ingest", "signals", str(signal_file), db=db)
        detected = netvigil("detect", "--format", "jsonl", db=db)
        listed = netvigil("events", "--format", "jsonl", db=db)
        report = tmp_path / "kz.html"
        reported = netvigil(
            "report", "--entity", "country:KZ", "--from", "2021-07-01", "--until", "2021-07-20",
            "--format", "html", "--synthetic", "-o", str(report), db=db,
        )  # fmt: skip
        reader.done.set()
        reader.join(timeout=60)
        for done in (ingested, detected, listed, reported):
            assert done.returncode == 0, done.stderr
        events = httpx.get(f"{base}/api/v1/events?entity=country:KZ").json()["events"]
        window = "from=2021-07-01T00:00:00Z&until=2021-07-20T00:00:00Z"
        series = httpx.get(f"{base}/api/v1/signals?entity=country:KZ&{window}&format=csv")
    assert "79,063 points" in ingested.stdout
    stored = [json.loads(line)["id"] for line in listed.stdout.splitlines()]
    assert stored and {e["id"] for e in events} <= set(stored) and events
    assert series.status_code == 200 and "country:KZ,probe" in series.text
    assert report.stat().st_size > 0
    assert reader.failures == [] and reader.answers > 0
    assert not endpoint_path(db).exists()  # type: ignore[union-attr]


KILLABLE_CLIENT = """
import sys
from netvigil.model.errors import StoreError
from netvigil.model.series import IngestRecord
from netvigil.model.signals import SignalPoint
from netvigil.store import open_store

store = open_store(sys.argv[1])
print(type(store).__name__, flush=True)

def chunks():
    yield [SignalPoint(300, "asn:1", "bgp", 1.0)]
    print("mid-call", flush=True)
    sys.stdin.readline()
    yield [SignalPoint(600, "asn:1", "bgp", 2.0)]

try:
    store.ingest_signals(chunks(), IngestRecord("a" * 64, "x.csv", "signals", 2, 0))
except StoreError as exc:
    print("StoreError:", exc, flush=True)
"""


def test_a_killed_serve_is_a_clear_error_and_the_next_command_opens_the_file(tmp_path: Path) -> None:
    db = tmp_path / "obs.duckdb"
    with serving(db) as (proc, _):
        client = subprocess.Popen(
            [sys.executable, "-c", KILLABLE_CLIENT, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert client.stdout is not None and client.stdin is not None
        assert client.stdout.readline().strip() == "RemoteStore"
        assert client.stdout.readline().strip() == "mid-call"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        said, _ = client.communicate("go\n", timeout=120)
    assert said.startswith("StoreError:") and "went away during a call" in said and "run the command" in said
    assert endpoint_path(db).exists()  # type: ignore[union-attr]  # stale: its pid is dead
    after = netvigil("events", "--format", "jsonl", db=db)
    assert after.returncode == 0, after.stderr
    with open_store(db, read_only=True) as direct:
        assert type(direct).__name__ != "RemoteStore" and direct.list_series() == []


KILLABLE_TRANSACTION = """
import sys, time
from netvigil.model.signals import SignalPoint
from netvigil.store import open_store

store = open_store(sys.argv[1])
with store.transaction():
    store.write_signals([SignalPoint(300, "asn:9", "bgp", 1.0)])
    print("in transaction", flush=True)
    time.sleep(600)
"""


def test_a_killed_client_has_its_transaction_rolled_back(tmp_path: Path) -> None:
    db = tmp_path / "obs.duckdb"
    with open_store(db, through_service=False) as held, store_service(held, db):
        client = subprocess.Popen(
            [sys.executable, "-c", KILLABLE_TRANSACTION, str(db)], stdout=subprocess.PIPE, text=True
        )
        assert client.stdout is not None
        assert client.stdout.readline().strip() == "in transaction"
        client.send_signal(signal.SIGKILL)
        client.wait(timeout=60)
        held.write_signals([SignalPoint(300, "asn:1", "bgp", 1.0)])  # waits for the rollback only
        assert [i.entity for i in held.list_series()] == ["asn:1"]


def test_a_caller_without_the_secret_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "obs.duckdb"
    with open_store(db, through_service=False) as held, store_service(held, db) as service:
        assert service is not None
        endpoint = service.endpoint
        assert endpoint.url.startswith("http://127.0.0.1:")
        stranger = Endpoint(endpoint.url, "not-the-secret", endpoint.pid)
        with pytest.raises(StoreError, match="refused the call"):
            RemoteStore.connect(stranger)
        assert httpx.post(f"{endpoint.url}/call", content=b"x" * 64).status_code == 401


def test_an_endpoint_of_a_dead_process_is_ignored(tmp_path: Path) -> None:
    db = tmp_path / "obs.duckdb"
    code = "import os; print(os.getpid())"
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    path = endpoint_path(db)
    assert path is not None
    publish_endpoint(path, Endpoint("http://127.0.0.1:9", "s", int(dead.stdout)))
    assert live_endpoint(path) is None
    with open_store(db) as direct:
        assert type(direct).__name__ == "DuckDBStore"


def test_an_endpoint_others_may_write_is_refused(tmp_path: Path) -> None:
    path = endpoint_path(tmp_path / "obs.duckdb")
    assert path is not None
    publish_endpoint(path, Endpoint("http://127.0.0.1:9", "s", os.getpid()))
    path.chmod(0o644)
    with pytest.raises(StoreError, match="readable by others"):
        live_endpoint(path)
