"""The ``reach run`` service loop without a network: where a round's measurements go, and when it stops."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netvigil.model.errors import InputError
from netvigil.pipeline.measurements import search_measurements
from netvigil.pipeline.reach_service import ReachPlan, ReachService
from netvigil.probe.reachability.base import ProbeContext
from netvigil.probe.reachability.uploader import DiskQueue, UploadConfig
from netvigil.store import open_store

MEASUREMENT = {
    "report_id": "20220105T104000Z_signal_KZ_29355_n1_test",
    "test_name": "signal",
    "test_version": "0.2.0",
    "probe_cc": "KZ",
    "probe_asn": "AS29355",
    "measurement_start_time": "2022-01-05 10:40:00",
    "input": None,
    "test_keys": {"signal_backend_status": "ok"},
}


def test_a_round_goes_to_the_caller_the_queue_the_file_and_the_store(tmp_path: Path) -> None:
    shown: list[list[dict[str, Any]]] = []
    plan = ReachPlan(
        tests=[], urls=[], context=ProbeContext(), output=tmp_path / "m.jsonl", queue=tmp_path / "q",
        db=tmp_path / "s.duckdb",
    )  # fmt: skip
    service = ReachService(plan, shown.append, lambda _: None)
    service.keep([MEASUREMENT])
    assert plan.keeps_measurements and shown == [[MEASUREMENT]]
    assert len(DiskQueue(tmp_path / "q")) == 1
    assert [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()] == [MEASUREMENT]
    with open_store(tmp_path / "s.duckdb") as store:
        assert [m["source"] for m in search_measurements(store)] == ["probe"]


def test_rounds_stop_after_runs_and_nothing_is_kept_without_targets() -> None:
    rounds: list[int] = []
    plan = ReachPlan(tests=[], urls=[], context=ProbeContext(), every=0.01, runs=3)
    report = ReachService(plan, lambda found: rounds.append(len(found)), lambda _: None).run()
    assert (report.rounds, report.uploaded, report.queued) == (3, 0, 0)
    assert rounds == [0, 0, 0] and not plan.keeps_measurements


def test_upload_needs_a_queue() -> None:
    with pytest.raises(InputError, match="--upload needs --queue"):
        ReachPlan(tests=[], urls=[], context=ProbeContext(), upload=UploadConfig("http://127.0.0.1:9"))
