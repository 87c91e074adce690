"""The uploader across a cut link: every queued measurement arrives exactly once.

The probe (client namespace) uploads through the censor to an observatory endpoint (servers
namespace) backed by a real DuckDB store. Mid-run the censor first drops the answers (so the
server stores a batch the probe never hears about and sends again), then the whole link; then
both are restored. The queue must drain and the store must hold each measurement once.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netvigil.pipeline.measurements import search_measurements
from netvigil.probe.reachability.uploader import DiskQueue
from netvigil.store import open_store

pytestmark = [
    pytest.mark.root,
    pytest.mark.netns,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces"),
    pytest.mark.skipif(shutil.which("nft") is None, reason="needs nft"),
]

from tests.probe.lab import HERE, NETVIGIL, SERVERS, Lab  # noqa: E402

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ooni" / "ooni_backend_fastpath_fixtures.jsonl"
COUNT = 60
TOKEN = "lab-token"


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    made = Lab(tmp_path)
    try:
        yield made.up()
    finally:
        made.down()


def _queue(directory: Path) -> list[str]:
    template = json.loads(FIXTURE.read_text().splitlines()[4])  # a signal measurement
    queue = DiskQueue(directory)
    report_ids = []
    for n in range(COUNT):
        msm = dict(template, report_id=f"20220105T103000Z_signal_KZ_29355_n1_{n:016d}")
        queue.put(msm)
        report_ids.append(msm["report_id"])
    return report_ids


def _wait(predicate: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_cut_link_mid_upload_every_measurement_arrives_once(lab: Lab, tmp_path: Path) -> None:
    db = tmp_path / "observatory.duckdb"
    script = str(HERE / "lab_receiver.py")
    receiver = lab.spawn(lab.servers, sys.executable, script, SERVERS["observatory"], "9090", str(db), TOKEN)
    assert lab.wait_line(receiver).strip() == "ready"
    queue_dir = tmp_path / "queue"
    report_ids = _queue(queue_dir)
    uploader = lab.spawn(
        lab.client, NETVIGIL, "reach", "upload", "--queue", str(queue_dir), "--to",
        f"http://{SERVERS['observatory']}:9090", "--token", TOKEN, "--batch", "5", "--timeout", "1",
        "--max-seconds", "90",
    )  # fmt: skip
    pending = DiskQueue(queue_dir)
    _wait(lambda: len(pending) < COUNT, 20)
    observatory = SERVERS["observatory"]
    # answers lost: the server's data segments (not its bare ACKs/SYN-ACKs) are dropped
    lab.set_nft(forward=[f"ip saddr {observatory} tcp sport 9090 meta length > 100 drop"])
    time.sleep(2.5)
    lab.set_nft(forward=[f"ip daddr {observatory} drop", f"ip saddr {observatory} drop"])  # link cut
    time.sleep(2.0)
    cut_remaining = len(pending)
    lab.set_nft()  # restored
    assert uploader.wait(timeout=90) == 0
    receiver.terminate()
    receiver.wait(timeout=10)
    log = [json.loads(line) for line in receiver.stdout.read().decode().splitlines() if line.startswith("{")]  # type: ignore[union-attr]
    assert 0 < cut_remaining < COUNT
    assert len(pending) == 0
    assert sum(entry["accepted"] for entry in log) == COUNT
    assert sum(entry["duplicates"] for entry in log) >= 1  # a batch whose answer was lost, sent again
    with open_store(db) as store:
        rows = search_measurements(store, limit=1000)
    assert sorted(r["report_id"] for r in rows) == sorted(report_ids)
    assert all(r["upload_delay_s"] > 0 for r in rows)
