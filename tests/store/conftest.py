"""The store suite runs through the protocol, once per backend: a second backend is a new param here.

``store_url`` is where a fresh store lives for one test (a URL :func:`open_store` accepts);
``store`` is that store, open. Tests that need a backend itself say so by not using these fixtures.
Backends: DuckDB (a file), chdb (embedded ClickHouse, a directory), and ClickHouse through
clickhouse-connect against a loopback replay of ClickHouse's HTTP interface (backed by chdb).

``remote`` is the suite over the wire: a real store service (the one ``netvigil serve`` runs, on a
loopback port) holds a DuckDB file, and every store the test opens at that URL is a
:class:`~netvigil.store.remote.RemoteStore` speaking to it — so every method and part of the
protocol is proven to work from another process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netvigil.serve.store_service import store_service
from netvigil.sim.services_clickhouse import ClickHouseReplay
from netvigil.store import Store, open_store

BACKENDS: dict[str, Callable[[Path], str]] = {
    "duckdb": lambda folder: f"duckdb://{folder / 'store.duckdb'}",
    "remote": lambda folder: f"duckdb://{folder / 'served.duckdb'}",
    "chdb": lambda folder: f"chdb://{folder / 'store.chdb'}",
}
SERVED = {"remote"}
REPLAYED = ("clickhouse",)


@pytest.fixture(params=sorted([*BACKENDS, *REPLAYED]))
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty store of each backend.

    ``remote`` is held by a running store service; ``clickhouse`` is served by a replay of
    ClickHouse's HTTP interface.
    """
    if request.param in REPLAYED:
        replay = ClickHouseReplay(tmp_path / "server").start()
        try:
            yield replay.url("netvigil")
        finally:
            replay.stop()
        return
    url = BACKENDS[request.param](tmp_path)
    if request.param not in SERVED:
        yield url
        return
    with open_store(url, through_service=False) as held, store_service(held, url) as service:
        assert service is not None
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh store of each backend, opened through the composition root."""
    with open_store(store_url) as opened:
        yield opened
