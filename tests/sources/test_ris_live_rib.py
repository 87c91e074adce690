"""RIS Live started from a RIB snapshot: a real websocket server on loopback and a replay's MRT RIB."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from netvigil.geo.routing import slash24_equivalents
from netvigil.pipeline.bgp import default_mapper, ingest_ris_live_stream
from netvigil.sim import bgp
from netvigil.sim.services_bgp_archive import ArchiveReplay, Wanted
from netvigil.sources.bgp_visibility import VisibilityConfig
from netvigil.sources.ris_live import RIS_LIVE_URL, LiveOptions, ris_live_url
from netvigil.store import open_store

RIB_TIME = 1_641_369_600  # 2022-01-05 08:00 UTC, before the blackout: every KZ prefix is routed
LIVE_TIME = RIB_TIME + 2 * 3600  # the stream is followed two hours after the RIB was dumped
PEERS = (0, 1, 2)  # rrc00's peers in the replay
CLI = "from netvigil.cli.main import main; main()"


def whole_kz() -> float:
    return sum(slash24_equivalents(p)[1] for plist in bgp.kz_prefixes().values() for p in plist)


@pytest.fixture(scope="module")
def rib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """rrc00's RIB at 08:00 from the archive replay (SYNTHETIC), as a downloaded bview."""
    path = tmp_path_factory.mktemp("rib") / "bview.20220105.0800.gz"
    path.write_bytes(ArchiveReplay().file(Wanted("ris", "rrc00", True, RIB_TIME)))
    return path


def live_messages() -> list[dict[str, Any]]:
    """A minute of ordinary churn from rrc00's peers: background path changes, nothing about KZ."""
    messages = []
    for n in range(6):
        ip, asn = bgp.PEERS[PEERS[n % 3]]
        data = {
            "timestamp": LIVE_TIME + 10 + 10 * n,
            "peer": ip,
            "peer_asn": str(asn),
            "id": f"00-{n}",
            "host": "rrc00",
            "type": "UPDATE",
            "path": [asn, 3356, 64512, 64512],
            "origin": "IGP",
            "announcements": [{"next_hop": ip, "prefixes": [bgp.BACKGROUND[n]]}],
        }
        messages.append({"type": "ris_message", "data": data})
    return messages


async def replay(socket: ServerConnection) -> None:
    """Take the subscription, send the messages, close cleanly."""
    await socket.recv()
    for message in live_messages():
        await socket.send(json.dumps(message))


def follow(tmp_path: Path, seed: list[Path]) -> dict[str, float]:
    """Follow the loopback stream to its end (no reconnect); the first bin's ``bgp`` per entity."""

    async def scenario() -> None:
        async with serve(replay, "127.0.0.1", 0) as ws:
            port = ws.sockets[0].getsockname()[1]
            options = LiveOptions(url=f"ws://127.0.0.1:{port}", max_reconnects=0)
            with open_store(tmp_path / "live.duckdb") as store:
                await ingest_ris_live_stream(
                    store,
                    options,
                    config=VisibilityConfig(full_feed_v4=bgp.FULL_FEED),
                    mapper=default_mapper(registry=False),
                    seed=seed,
                )

    asyncio.run(asyncio.wait_for(scenario(), 30))
    with open_store(tmp_path / "live.duckdb") as store:
        series = [s for s in store.list_series() if s.signal == "bgp"]
        first = {}
        for data in store.read_series([s.entity for s in series], ["bgp"]):
            assert list(data.times) == [LIVE_TIME]  # the live stream's bin only, not the RIB's
            first[data.entity] = float(data.values[0])
    return first


def test_the_first_live_bin_counts_every_prefix_of_the_rib(tmp_path: Path, rib: Path) -> None:
    first = follow(tmp_path, [rib])
    assert first["country:KZ"] == whole_kz()
    assert {f"asn:{asn}" for asn in bgp.kz_prefixes()} <= first.keys()


def test_without_the_rib_the_first_bin_knows_nothing_of_kazakhstan(tmp_path: Path) -> None:
    assert follow(tmp_path, []).get("country:KZ", 0.0) == 0.0


def test_the_live_address_is_a_setting_read_in_one_place() -> None:
    assert ris_live_url({}) == RIS_LIVE_URL
    assert ris_live_url({"NETVIGIL_RIS_LIVE_URL": "ws://mirror.example/v1/ws/"}) == "ws://mirror.example/v1/ws/"


def test_the_cli_follows_the_address_from_the_environment_starting_from_a_rib(
    tmp_path: Path, rib: Path
) -> None:
    db = tmp_path / "cli.duckdb"

    async def scenario() -> tuple[int, str]:
        async with serve(replay, "127.0.0.1", 0) as ws:
            port = ws.sockets[0].getsockname()[1]
            args = ["ingest", "ris-live", "--live", "--rib", str(rib), "--seconds", "2", "--no-registry"]
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                CLI,
                *args,
                "--full-feed",
                str(bgp.FULL_FEED),
                "--db",
                str(db),
                env={**os.environ, "NETVIGIL_RIS_LIVE_URL": f"ws://127.0.0.1:{port}"},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await process.communicate()
            assert process.returncode == 0, err.decode()
            return process.returncode, out.decode()

    _, out = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert "points written" in out
    with open_store(db) as store:
        data = next(store.read_series(["country:KZ"], ["bgp"]))
    assert list(data.times) == [LIVE_TIME] and data.values[0] == whole_kz()


def test_rib_latest_needs_the_live_stream(tmp_path: Path) -> None:
    args = ["ingest", "ris-live", "x.jsonl", "--rib", "latest", "--db", str(tmp_path / "s.duckdb")]
    done = subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "--rib latest follows the live stream" in done.stderr
