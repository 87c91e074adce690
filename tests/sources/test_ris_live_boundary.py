"""Where websockets' errors enter: a bad URL is the user's input error, a refused connection a retry."""

from __future__ import annotations

import asyncio
import socket

import pytest

from netvigil.model.errors import InputError
from netvigil.sources.ris_live import LiveOptions, live_messages


async def _drain(options: LiveOptions) -> list[int]:
    reconnects: list[int] = []
    async for _ in live_messages(options, lambda n, _delay: reconnects.append(n)):
        pass
    return reconnects


def test_a_url_that_is_not_a_websocket_address_is_an_input_error() -> None:
    options = LiveOptions(url="http://ris-live.example/v1/ws/", max_reconnects=0)
    with pytest.raises(InputError, match="is not a websocket address"):
        asyncio.run(_drain(options))


def test_a_refused_connection_is_retried_not_raised() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    options = LiveOptions(url=f"ws://127.0.0.1:{port}", max_reconnects=2, backoff_first=0.01)
    assert asyncio.run(_drain(options)) == [1, 2]
