"""The store suite runs through the protocol, once per backend: a second backend is a new param here.

``store_url`` is where a fresh store lives for one test (a URL :func:`open_store` accepts);
``store`` is that store, open. Tests that need a backend itself say so by not using these fixtures.
Backends: DuckDB (a file), chdb (embedded ClickHouse, a directory), and ClickHouse through
clickhouse-connect against a loopback replay of ClickHouse's HTTP interface (backed by chdb).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netvigil.sim.services_clickhouse import ClickHouseReplay
from netvigil.store import Store, open_store

BACKENDS: dict[str, Callable[[Path], str]] = {
    "duckdb": lambda folder: f"duckdb://{folder / 'store.duckdb'}",
    "chdb": lambda folder: f"chdb://{folder / 'store.chdb'}",
}
SERVED = ("clickhouse",)


@pytest.fixture(params=sorted([*BACKENDS, *SERVED]))
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty store of each backend (a replay server runs for ``clickhouse``)."""
    if request.param in BACKENDS:
        yield BACKENDS[request.param](tmp_path)
        return
    replay = ClickHouseReplay(tmp_path / "server").start()
    try:
        yield replay.url("netvigil")
    finally:
        replay.stop()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh store of each backend, opened through the composition root."""
    with open_store(store_url) as opened:
        yield opened
