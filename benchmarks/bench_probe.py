"""Block prober speed beside fping, on 10,000 loopback targets in a network namespace this script makes.

Prints one JSON object per figure: probes per second (netvigil with the Trinocular inference
running, and fping on the same 10,000 addresses, with the ratio), CPU seconds per 1,000 probes
(both), and the mean probes per block per round in a steady round and in a round where nftables
drops echo requests to 10 % of the blocks (Trinocular's budget is 15). Needs root, ``ip``, ``nft``
and ``fping``. Run: .venv/bin/python benchmarks/bench_probe.py  (--targets N to change the size).
Goal (issue 4): at least 0.8x fping's rate; no more probes per block per round than Trinocular.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netvigil.probe.hitlist import HitlistBlock
from netvigil.probe.icmp import IcmpTransport
from netvigil.probe.trinocular import Prober, ProberConfig

REPEATS = 3


def emit(**figure: object) -> None:
    print(json.dumps(figure), flush=True)


def blocks(count: int) -> list[HitlistBlock]:
    made = []
    for i in range(count):
        prefix = f"127.{1 + i // 256}.{i % 256}"
        made.append(HitlistBlock(f"{prefix}.0/24", (f"{prefix}.1", f"{prefix}.2"), 0.9))
    return made


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def fping_once(targets: Path, count: int) -> tuple[float, float]:
    """One fping run over every target (1 echo each, no inter-packet wait): seconds and CPU seconds."""
    before, start = cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(
        ["fping", "-c", "1", "-q", "-i", "0", "-t", "500", "-f", str(targets)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall, used = time.perf_counter() - start, cpu(resource.RUSAGE_CHILDREN) - before
    answered = done.stderr.count("1/1/0%")
    if answered < count * 0.99:
        raise SystemExit(f"fping: only {answered} of {count} answered: {done.stderr[-300:]}")
    return wall, used


async def prober_round(prober: Prober) -> tuple[float, float, int, list[int]]:
    sent, before, start = prober.probes_sent, cpu(resource.RUSAGE_SELF), time.perf_counter()
    verdicts = await prober.run_round()
    wall, used = time.perf_counter() - start, cpu(resource.RUSAGE_SELF) - before
    return wall, used, prober.probes_sent - sent, [v.probes for v in verdicts]


async def netvigil_runs(targets: list[HitlistBlock]) -> None:
    transport = IcmpTransport(timeout=0.5)
    kind = transport.open((4,))
    prober = Prober(targets, transport, ProberConfig(rate=1_000_000.0, round_seconds=0.001))
    runs = [await prober_round(prober) for _ in range(REPEATS)]
    wall, used, probes, per_block = sorted(runs)[len(runs) // 2]
    rate = probes / wall
    dropped = targets[::10]
    rules = (
        "table inet nvbench {\n chain input {\n  type filter hook input priority 0;\n"
        "  ip daddr { %s } drop\n }\n}\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".nft") as handle:
        handle.write(rules % ", ".join(b.block for b in dropped))
        handle.flush()
        subprocess.run(["nft", "-f", handle.name], check=True)
    _, _, _, outage_per_block = await prober_round(prober)  # the round that discovers the outage
    _, _, _, after_per_block = await prober_round(prober)
    down = sum(1 for v in prober.trackers if v.state == "down")
    transport.close()
    print(json.dumps({"rate": rate, "cpu": used / probes * 1000, "socket": kind,
                      "steady": statistics.mean(per_block), "outage_round": statistics.mean(outage_per_block),
                      "max": max(outage_per_block), "after": statistics.mean(after_per_block),
                      "down": down, "dropped": len(dropped)}))  # fmt: skip


def inside(count: int) -> None:
    """Runs in the namespace: fping and the prober on the same targets, one JSON line of results."""
    targets = blocks(count)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(b.addresses[0] for b in targets) + "\n")
    fping = [fping_once(Path(handle.name), count) for _ in range(REPEATS)]
    wall, used = sorted(fping)[len(fping) // 2]
    print(json.dumps({"fping_rate": count / wall, "fping_cpu": used / count * 1000}))
    asyncio.run(netvigil_runs(targets))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(args.targets)
        return
    if os.geteuid() != 0:
        raise SystemExit("bench_probe needs root (network namespace, raw sockets)")
    namespace = f"nvbench{os.getpid() % 100000}"
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"], check=True)
        done = subprocess.run(
            ["ip", "netns", "exec", namespace, sys.executable, __file__, "--inside",
             "--targets", str(args.targets)],
            capture_output=True, text=True, check=True, timeout=300,
        )  # fmt: skip
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=False)
    fping, ours = (json.loads(line) for line in done.stdout.splitlines()[-2:])
    n = args.targets
    emit(
        benchmark="probe",
        figure="probes_per_second",
        targets=n,
        unit="probes/s",
        netvigil=round(ours["rate"]),
        fping=round(fping["fping_rate"]),
        ratio=round(ours["rate"] / fping["fping_rate"], 3),
        socket=ours["socket"],
        goal=">= 0.8",
    )
    emit(
        benchmark="probe",
        figure="cpu_per_1000_probes",
        targets=n,
        unit="CPU s",
        netvigil=round(ours["cpu"], 4),
        fping=round(fping["fping_cpu"], 4),
        ratio=round(ours["cpu"] / fping["fping_cpu"], 2),
    )
    emit(benchmark="probe", figure="mean_probes_per_block_per_round", targets=n,
         steady=round(ours["steady"], 3), outage_round=round(ours["outage_round"], 3),
         round_after_outage=round(ours["after"], 3), max_in_a_round=ours["max"], trinocular_budget=15,
         blocks_dropped=ours["dropped"], blocks_seen_down=ours["down"])  # fmt: skip


if __name__ == "__main__":
    main()
