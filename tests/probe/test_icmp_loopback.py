"""Real ICMP echo on this host's loopback (root: raw socket): matching, timeouts, late/foreign packets."""

from __future__ import annotations

import asyncio
import os
import struct
import time

import pytest

from netvigil.probe.icmp import ECHO_REPLY, IcmpPinger, IcmpTransport, checksum

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason="raw ICMP sockets need root"),
]


async def collect(transport: IcmpTransport, count: int, limit: float = 5.0) -> list:  # type: ignore[type-arg]
    results: list = []  # type: ignore[type-arg]
    deadline = time.time() + limit
    results += transport.drain()
    while len(results) < count and time.time() < deadline:
        await transport.wait(deadline)
        results += transport.drain()
    return results


def test_checksum_of_known_packet() -> None:
    header = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + b"abcd"
    value = checksum(header)
    assert checksum(struct.pack("!BBHHH", 8, 0, value, 0x1234, 1) + b"abcd") == 0


def test_replies_are_matched_to_their_tokens() -> None:
    async def go() -> None:
        transport = IcmpTransport(timeout=2.0, kind="raw")
        assert transport.open((4,)) == "raw"
        try:
            for token in range(50):
                transport.send(f"127.3.{token}.9", token)
            results = await collect(transport, 50)
        finally:
            transport.close()
        assert sorted(r.token for r in results) == list(range(50))
        assert all(r.replied and r.rtt is not None and r.rtt >= 0 for r in results)
        assert transport.pinger.stats.replies == 50 and transport.pinger.stats.foreign == 0

    asyncio.run(go())


def test_timeout_then_late_reply_is_counted_not_delivered() -> None:
    async def go() -> None:
        transport = IcmpTransport(timeout=2.0, kind="raw")
        transport.open((4,))
        try:
            transport.send("127.3.0.1", 7)
            transport.pinger.expire(time.time() + 10)
            timed_out = transport.drain()
            await asyncio.sleep(0.3)
            after = transport.drain()
        finally:
            transport.close()
        assert [(r.token, r.replied, r.failure and r.failure.failure) for r in timed_out] == [
            (7, False, "generic_timeout_error")
        ]
        assert after == []
        assert transport.pinger.stats.late == 1

    asyncio.run(go())


def test_duplicate_and_foreign_replies_are_counted() -> None:
    async def go() -> None:
        pinger = IcmpPinger(timeout=2.0, kind="raw")
        pinger.open((4,))
        try:
            pinger.send("127.3.0.2", 1)
            for _ in range(50):
                await asyncio.sleep(0.01)
                if pinger.results:
                    break
            family = pinger._families[4]
            seq = pinger._seq
            cookie = pinger._payload[:8]
            reply = struct.pack("!BBHHH", ECHO_REPLY[4], 0, 0, family.ident, seq) + cookie
            ip_header = bytes([0x45]) + bytes(19)
            pinger._handle(family, ip_header + reply, "127.3.0.2")
            stranger = struct.pack("!BBHHH", ECHO_REPLY[4], 0, 0, family.ident ^ 1, seq) + cookie
            pinger._handle(family, ip_header + stranger, "127.3.0.2")
            wrong_cookie = struct.pack("!BBHHH", ECHO_REPLY[4], 0, 0, family.ident, seq) + bytes(8)
            pinger._handle(family, ip_header + wrong_cookie, "127.3.0.2")
        finally:
            pinger.close()
        assert len(pinger.results) == 1
        assert pinger.stats.duplicates == 1
        assert pinger.stats.foreign == 2

    asyncio.run(go())


def test_unroutable_ipv6_is_a_failure_not_an_exception() -> None:
    async def go() -> None:
        transport = IcmpTransport(timeout=1.0, kind="raw")
        transport.open((4,))
        try:
            transport.send("2001:db8::1", 3)
            results = transport.drain()
        finally:
            transport.close()
        assert len(results) == 1 and not results[0].replied
        assert results[0].failure is not None and results[0].failure.operation == "icmp_echo"

    asyncio.run(go())
