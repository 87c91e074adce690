"""RIS Live: parsing recorded messages, and the websocket client against a real loopback server."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from netvigil.model.errors import InputError
from netvigil.model.routes import ESTABLISHED, IDLE, PeerState, peer_key
from netvigil.pipeline.bgp import ingest_ris_live_stream
from netvigil.sources.bgp_visibility import VisibilityConfig
from netvigil.sources.mrt import ParseReport, read_elements
from netvigil.sources.ris_live import LiveOptions, live_messages, read_jsonl, route_changes
from netvigil.store import open_store
from tests.sources.route_rows import rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RECORDED = FIXTURES / "ris_live" / "ris_updates.20160811.1600_first600.jsonl.gz"
CLI = "from netvigil.cli.main import main; main()"


def recorded() -> list[dict[str, Any]]:
    with gzip.open(RECORDED, "rt") as handle:
        return [json.loads(line) for line in handle]


def test_recorded_messages_give_the_mrt_elements_they_came_from() -> None:
    changes = rows(read_jsonl(RECORDED))  # (time, peer, kind, prefix, origin), one per prefix
    last = max(time for time, *_ in changes)
    mrt = [
        e
        for e in read_elements(FIXTURES / "mrt" / "ris_updates.20160811.1600.gz", ParseReport())
        if e.kind in ("A", "W") and e.time <= last
    ]
    got = sorted(changes)
    want = sorted(
        (e.time, f"{e.peer_ip}|{e.peer_as}", e.kind, e.prefix, e.attrs.origin_as if e.kind == "A" else None)
        for e in mrt
    )
    assert not Counter(got) - Counter(want)  # every change is an element of the MRT file
    assert not Counter(w for w in want if w[0] < int(last)) - Counter(got)  # and none is lost
    assert {kind for _, _, kind, _, _ in changes} == {"A", "W"}


def test_message_shapes() -> None:
    base = {"timestamp": 1.5, "peer": "192.0.2.1", "peer_asn": "64496", "host": "rrc00"}
    update = {
        **base,
        "type": "UPDATE",
        "path": [64496, 1, [2, 3]],
        "announcements": [{"prefixes": ["10.0.0.0/8"]}],
    }
    assert route_changes({"type": "ris_message", "data": update})[0].origin is None  # ends in an AS_SET
    down = route_changes({**base, "type": "RIS_PEER_STATE", "state": "down"})
    assert down == [PeerState(1, peer_key("192.0.2.1", 64496), ESTABLISHED, IDLE)] and down[0].down
    assert route_changes({**base, "type": "KEEPALIVE"}) == []


def test_a_bad_line_is_reported_with_its_number(tmp_path: Path) -> None:
    lines = gzip.decompress(RECORDED.read_bytes()).decode().splitlines()
    lines[41] = '{"type": "ris_message", "data": {"timestamp": "soon"}}'
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl:42: expected a RIS Live ris_message"):
        for _ in read_jsonl(path, strict=True):
            pass
    db = str(tmp_path / "s.duckdb")
    done = subprocess.run(
        [sys.executable, "-c", CLI, "ingest", "ris-live", "--strict", str(path), "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "bad.jsonl:42:" in done.stderr
    with open_store(tmp_path / "s.duckdb") as store:
        assert store.list_series() == []  # nothing half-written


def test_without_strict_a_bad_line_costs_only_itself(tmp_path: Path) -> None:
    lines = gzip.decompress(RECORDED.read_bytes()).decode().splitlines()
    lines[41] = '{"type": "ris_message", "data": {"timestamp": NaN, "peer": "192.0.2.1", "peer_asn": 1}}'
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = ParseReport()
    got = rows(read_jsonl(path, None, report))
    assert report.damaged == 1 and str(report.damage[0]).startswith("line 42: ")
    assert report.records == len(lines) - 1
    assert len(got) > 0
    done = subprocess.run(
        [sys.executable, "-c", CLI, "ingest", "ris-live", str(path), "--db", str(tmp_path / "s.duckdb")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "line 42: " in done.stderr and "Traceback" not in done.stderr
    with open_store(tmp_path / "s.duckdb") as store:
        assert store.list_series() != []


def test_a_file_with_no_message_exits_2_as_mrt_does(tmp_path: Path) -> None:
    path = tmp_path / "noise.jsonl"
    path.write_bytes(bytes(range(128, 256)) * 4 + b"\n{cut\n")
    done = subprocess.run(
        [sys.executable, "-c", CLI, "ingest", "ris-live", str(path), "--db", str(tmp_path / "s.duckdb")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "noise.jsonl: no RIS Live message could be read (line 1: " in done.stderr


class ReplayServer:
    """Replays recorded messages to each subscriber; the first connection is dropped midway."""

    def __init__(self, messages: list[dict[str, Any]], drop_after: int) -> None:
        self.messages = messages
        self.drop_after = drop_after
        self.sent = 0
        self.connections = 0
        self.subscriptions: list[dict[str, Any]] = []

    async def handler(self, socket: ServerConnection) -> None:
        self.connections += 1
        self.subscriptions.append(json.loads(await socket.recv()))
        while self.sent < len(self.messages):
            if self.connections == 1 and self.sent == self.drop_after:
                socket.transport.abort()  # no closing handshake: a dropped connection
                return
            await socket.send(json.dumps(self.messages[self.sent]))
            self.sent += 1
        await socket.wait_closed()


async def run_client(
    server: ReplayServer, count: int
) -> tuple[list[dict[str, Any]], list[tuple[int, float]]]:
    reconnects: list[tuple[int, float]] = []
    async with serve(server.handler, "127.0.0.1", 0) as ws:
        port = ws.sockets[0].getsockname()[1]
        options = LiveOptions(
            url=f"ws://127.0.0.1:{port}",
            filters={"host": "rrc00", "prefix": "2.72.0.0/13"},
            backoff_first=0.05,
        )
        got: list[dict[str, Any]] = []
        async for message in live_messages(options, lambda n, d: reconnects.append((n, d))):
            got.append(message)
            if len(got) == count:
                break
    return got, reconnects


def test_live_client_reconnects_after_a_drop_and_resubscribes() -> None:
    messages = recorded()[:200]
    server = ReplayServer(messages, drop_after=70)
    got, reconnects = asyncio.run(asyncio.wait_for(run_client(server, len(messages)), 30))
    assert got == messages
    assert server.connections == 2 and reconnects == [(1, 0.05)]
    assert (
        server.subscriptions
        == [{"type": "ris_subscribe", "data": {"host": "rrc00", "prefix": "2.72.0.0/13"}}] * 2
    )


def test_live_ingest_writes_bins_as_they_close(tmp_path: Path) -> None:
    messages = recorded()
    server = ReplayServer(messages, drop_after=300)

    async def scenario() -> int:
        async with serve(server.handler, "127.0.0.1", 0) as ws:
            port = ws.sockets[0].getsockname()[1]
            options = LiveOptions(url=f"ws://127.0.0.1:{port}", backoff_first=0.05)
            with open_store(tmp_path / "live.duckdb") as store:
                written = await ingest_ris_live_stream(
                    store,
                    options,
                    config=VisibilityConfig(step=60, full_feed_v4=1, full_feed_v6=1),
                    seconds=3.0,
                )
                assert {s.signal for s in store.list_series()} >= {"bgp", "bgp6", "bgp_updates"}
                return written

    written = asyncio.run(scenario())
    assert server.sent == len(messages) and server.connections == 2
    assert written > 0
