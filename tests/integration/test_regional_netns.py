"""Two vantage points in two regions on real packets, one throttled with tc: a regional event there only.

The censorship lab (tests/probe/lab.py: client ─ censor ─ servers, network namespaces this test
makes and always removes) gets a second client namespace on its own link to the censor:

    Astana  (KZ-71) 10.77.1.2 ── r0 ┐
                                    censor ── servers (Signal's servers at 10.77.2.40, baseline site)
    Almaty  (KZ-75) 10.77.3.2 ── r2 ┘

Each round runs ``netvigil reach run --tests signal --region …`` in both clients; during the
throttled rounds tc on the censor's r2 slows what Signal's servers send to Almaty to 400 kbit/s
(Astana's link untouched). The measurements go through the real submission, store, reachability
signals and detector. Rounds run back to back and are then stamped an hour apart (the signal's
bins): the detector needs hours of history and a test cannot wait hours. The loopback twin is
tests/pipeline/test_regional_services.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netvigil.model.measurements import ooni_time
from netvigil.pipeline.analyse import run_detection
from netvigil.pipeline.event_query import event_filter
from netvigil.pipeline.measurements import submit_measurements
from netvigil.store import open_store

pytestmark = [
    pytest.mark.root,
    pytest.mark.netns,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces"),
    pytest.mark.skipif(shutil.which("nft") is None or shutil.which("tc") is None, reason="needs nft and tc"),
]

from tests.probe.lab import NETVIGIL, SERVERS, Lab  # noqa: E402

T0 = 1_700_000_000 - 1_700_000_000 % 3600
HISTORY, THROTTLED, AFTER = 3, 3, 2


class TwoClientLab(Lab):
    """The lab with a second client (Almaty) on its own link, r2 on the censor's side."""

    def up(self) -> TwoClientLab:
        super().up()
        self.almaty = f"nvd{os.getpid() % 100000}"
        subprocess.run(["ip", "netns", "add", self.almaty], check=True)
        self.ns(self.almaty, "ip", "link", "set", "lo", "up")
        subprocess.run(
            ["ip", "link", "add", "d0", "netns", self.almaty, "type", "veth", "peer", "name", "r2",
             "netns", self.censor],
            check=True,
        )  # fmt: skip
        self.ns(self.almaty, "ip", "addr", "add", "10.77.3.2/24", "dev", "d0")
        self.ns(self.censor, "ip", "addr", "add", "10.77.3.1/24", "dev", "r2")
        self.ns(self.almaty, "ip", "link", "set", "d0", "up")
        self.ns(self.censor, "ip", "link", "set", "r2", "up")
        self.ns(self.almaty, "ip", "route", "add", "default", "via", "10.77.3.1")
        return self

    def down(self) -> None:
        super().down()
        subprocess.run(["ip", "netns", "del", self.almaty], check=False, capture_output=True)

    def reach(self, ns: str, region: str, asn: str) -> list[dict[str, Any]]:
        """One round of ``netvigil reach run --tests signal --region REGION`` in namespace ``ns``."""
        out = self.workdir / f"{region}-{os.urandom(4).hex()}.jsonl"
        args = [NETVIGIL, "reach", "run", "--tests", "signal", "--config", str(self.workdir / "probe.json")]
        args += ["--region", region, "--asn", asn, "--output", str(out)]
        result = self.ns(ns, *args, check=False)
        if result.returncode != 0:
            raise RuntimeError(result.stdout.decode() + result.stderr.decode())
        return [json.loads(line) for line in out.read_text().splitlines()]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoClientLab]:
    made = TwoClientLab(tmp_path_factory.mktemp("lab"))
    try:
        yield made.up()
    finally:
        made.down()


def _stamped(measurements: list[dict[str, Any]], hour: int) -> list[dict[str, Any]]:
    at = ooni_time(T0 + hour * 3600 + 60)
    return [{**m, "measurement_start_time": at, "test_start_time": at} for m in measurements]


def test_throttled_almaty_alone_gets_a_regional_service_event(lab: TwoClientLab, tmp_path: Path) -> None:
    lab.reset()
    verdicts: dict[str, list[str | None]] = {"KZ-75": [], "KZ-71": []}
    with open_store(tmp_path / "obs.duckdb") as store:
        for hour in range(HISTORY + THROTTLED + AFTER):
            throttled = HISTORY <= hour < HISTORY + THROTTLED
            lab.set_throttle(SERVERS["signal"] if throttled else None, dev="r2")
            for ns, region, asn in ((lab.almaty, "KZ-75", "AS29355"), (lab.client, "KZ-71", "AS9198")):
                found = _stamped(lab.reach(ns, region, asn), hour)
                assert found[0]["annotations"]["x_netvigil_region"] == region
                verdicts[region].append(found[0]["test_keys"].get("x_netvigil_blocking"))
                assert submit_measurements(store, found, T0 + hour * 3600 + 120).accepted == 1
        lab.set_throttle(None, dev="r2")
        events = run_detection(store)
        listed = store.read_events(event_filter(entities=["region:KZ-75"]))
    assert verdicts["KZ-75"] == [None] * HISTORY + ["throttling"] * THROTTLED + [None] * AFTER
    assert verdicts["KZ-71"] == [None] * (HISTORY + THROTTLED + AFTER)
    regional = [e for e in events if e.scope == "regional"]
    assert [(e.entity, e.kind) for e in regional] == [("service:signal@region:KZ-75", "throttling")]
    assert (regional[0].start, regional[0].end) == (T0 + HISTORY * 3600, T0 + (HISTORY + THROTTLED) * 3600)
    assert regional[0].phases[0].note.startswith("Signal degraded in Almaty")
    assert [e.entity for e in listed] == ["service:signal@region:KZ-75"]
