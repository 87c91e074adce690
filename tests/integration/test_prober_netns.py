"""The block prober on real packets, inside network namespaces this test makes (and always removes).

1. One namespace: blocks of 127.0.0.0/8 answer on its loopback. Mid-run, nftables drops echo
   requests to one /24 (seen as down within one round), drops half of those to another (up or
   uncertain, never down), and the rules' removal brings the first back.
2. Two namespaces joined by a veth pair: removing the route to one /24 makes it down (send errors
   as data), restoring the route brings it back; this one uses the unprivileged datagram socket.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

pytestmark = [
    pytest.mark.root,
    pytest.mark.netns,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces"),
    pytest.mark.skipif(shutil.which("nft") is None or shutil.which("ip") is None, reason="needs nft and ip"),
]
NETVIGIL = str(Path(sys.executable).parent / "netvigil")
DROP = "127.1.2.0/24"
LOSSY = "127.1.3.0/24"
STEADY = "127.1.1.0/24"
RULES = f"""table inet nvprobe {{
  chain input {{
    type filter hook input priority 0;
    ip daddr {DROP} icmp type echo-request drop
    ip daddr {LOSSY} icmp type echo-request numgen random mod 2 == 0 drop
  }}
}}
"""


def sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def in_ns(ns: str, *args: str) -> None:
    sh("ip", "netns", "exec", ns, *args)


@pytest.fixture
def make_ns() -> Iterator[Callable[[str], str]]:
    """Create namespaces with lo up; every one is deleted afterwards, even when the test fails."""
    made: list[str] = []

    def make(name: str) -> str:
        ns = f"{name}{os.getpid() % 100000}"
        subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)
        sh("ip", "netns", "add", ns)
        made.append(ns)
        in_ns(ns, "ip", "link", "set", "lo", "up")
        return ns

    yield make
    for ns in made:
        subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)


def write_hitlist(path: Path, blocks: list[str]) -> None:
    rows = ["block,addresses,availability,entity"]
    for block in blocks:
        prefix = block.rsplit(".", 1)[0]
        rows.append(f"{block},{' '.join(f'{prefix}.{h}' for h in range(1, 5))},0.9,asn:64500")
    path.write_text("\n".join(rows) + "\n")


Round = dict[str, dict[str, object]]


class ProberProcess:
    """``netvigil probe run --format jsonl`` in a namespace, read round by round."""

    def __init__(self, ns: str, args: list[str]) -> None:
        self.ns = ns
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, NETVIGIL, "probe", "run", "--format", "jsonl", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.blocks = 0

    def next_round(self, size: int) -> Round:
        assert self.proc.stdout is not None
        lines = [self.proc.stdout.readline() for _ in range(size)]
        if not all(lines):
            raise AssertionError(f"prober stopped: {self.proc.stderr.read() if self.proc.stderr else ''}")
        rows = [json.loads(line) for line in lines]
        assert len({r["round"] for r in rows}) == 1
        return {str(r["block"]): r for r in rows}

    def drive(self, count: int, size: int, actions: dict[int, tuple[str, ...]]) -> list[Round]:
        """Read ``count`` rounds of ``size`` blocks; after round N run ``actions[N]`` in the namespace."""
        rounds = []
        try:
            for number in range(1, count + 1):
                rounds.append(self.next_round(size))
                if number in actions:
                    in_ns(self.ns, *actions[number])
            self.finish()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        return rounds

    def finish(self) -> None:
        try:
            code = self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        assert code == 0, self.proc.stderr.read() if self.proc.stderr else ""


def test_nftables_drop_and_loss_on_loopback_blocks(make_ns: Callable[[str], str], tmp_path: Path) -> None:
    ns = make_ns("nvpr")
    hitlist = tmp_path / "hit.csv"
    write_hitlist(hitlist, [STEADY, DROP, LOSSY])
    db = tmp_path / "probe.duckdb"
    rules = tmp_path / "rules.nft"
    rules.write_text(RULES)
    prober = ProberProcess(
        ns,
        ["--hitlist", str(hitlist), "--rate", "200", "--rounds", "8", "--round-seconds", "3",
         "--timeout", "0.15", "--db", str(db)],
    )  # fmt: skip
    rounds = prober.drive(
        8, 3, {2: ("nft", "-f", str(rules)), 5: ("nft", "delete", "table", "inet", "nvprobe")}
    )
    states = {block: [r[block]["state"] for r in rounds] for block in (STEADY, DROP, LOSSY)}
    assert states[STEADY] == ["up"] * 8
    assert states[DROP][:2] == ["up", "up"]
    assert states[DROP][2:5] == ["down", "down", "down"], states[DROP]
    assert states[DROP][5:] == ["up", "up", "up"], states[DROP]
    assert "down" not in states[LOSSY], states[LOSSY]
    assert all(1 <= int(str(r[b]["probes"])) <= 15 for r in rounds for b in r)
    assert int(str(rounds[2][DROP]["probes"])) > 1
    with duckdb.connect(str(db), read_only=True) as con:
        changes = con.execute(
            "SELECT previous, state FROM probe_changes WHERE block = ? ORDER BY time", [DROP]
        ).fetchall()
        probe = con.execute(
            "SELECT value FROM signals WHERE entity = 'asn:64500' AND signal = 'probe' ORDER BY time"
        ).fetchall()
    assert changes == [(None, "up"), ("up", "down"), ("down", "up")]
    assert [v for (v,) in probe][:2] == [3.0, 3.0]
    assert all(v <= 2.0 for (v,) in probe[2:5])
    assert probe[-1][0] == 3.0


def test_veth_route_removed_and_restored(make_ns: Callable[[str], str], tmp_path: Path) -> None:
    prober_ns, far_ns = make_ns("nvpa"), make_ns("nvpb")
    tag = os.getpid() % 10000
    near, far = f"nvpa{tag}", f"nvpb{tag}"
    sh("ip", "link", "add", near, "netns", prober_ns, "type", "veth", "peer", "name", far, "netns", far_ns)
    in_ns(prober_ns, "ip", "addr", "add", "10.97.0.1/30", "dev", near)
    in_ns(far_ns, "ip", "addr", "add", "10.97.0.2/30", "dev", far)
    in_ns(prober_ns, "ip", "link", "set", near, "up")
    in_ns(far_ns, "ip", "link", "set", far, "up")
    blocks = ["10.98.1.0/24", "10.98.2.0/24"]
    for block in blocks:
        prefix = block.rsplit(".", 1)[0]
        for host in range(1, 5):
            in_ns(far_ns, "ip", "addr", "add", f"{prefix}.{host}/32", "dev", "lo")
        in_ns(prober_ns, "ip", "route", "add", block, "via", "10.97.0.2")
    in_ns(prober_ns, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647")
    hitlist = tmp_path / "hit.csv"
    write_hitlist(hitlist, blocks)
    prober = ProberProcess(
        prober_ns,
        ["--hitlist", str(hitlist), "--rate", "200", "--rounds", "6", "--round-seconds", "2",
         "--timeout", "0.1", "--socket", "dgram", "--db", str(tmp_path / "probe.duckdb")],
    )  # fmt: skip
    rounds = prober.drive(
        6, 2, {2: ("ip", "route", "del", blocks[1]), 4: ("ip", "route", "add", blocks[1], "via", "10.97.0.2")}
    )
    assert [r[blocks[0]]["state"] for r in rounds] == ["up"] * 6
    assert [r[blocks[1]]["state"] for r in rounds] == ["up", "up", "down", "down", "up", "up"]


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv")
def test_unprivileged_user_gets_the_sysctl_then_datagram_sockets(make_ns: Callable[[str], str]) -> None:
    ns = make_ns("nvpu")
    with tempfile.TemporaryDirectory() as folder:
        shared = Path(folder)
        shared.chmod(0o777)
        run_unprivileged(ns, shared)


def run_unprivileged(ns: str, shared: Path) -> None:
    hitlist = shared / "hit.csv"
    write_hitlist(hitlist, [STEADY])
    hitlist.chmod(0o644)
    command = [
        "ip", "netns", "exec", ns, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
        NETVIGIL, "probe", "run", "--hitlist", str(hitlist), "--rounds", "1", "--round-seconds", "0.1",
        "--timeout", "0.2", "--format", "jsonl", "--db", str(shared / "probe.duckdb"),
    ]  # fmt: skip
    in_ns(ns, "sysctl", "-qw", "net.ipv4.ping_group_range=1 0")
    refused = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert refused.returncode == 1
    assert "ping_group_range" in refused.stderr.replace("\n", "")
    in_ns(ns, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647")
    allowed = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout.splitlines()[0])["state"] == "up"
