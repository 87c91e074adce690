"""The store suite runs through the protocol, once per backend: a second backend is a new param here.

``store_url`` is where a fresh store lives for one test (a URL :func:`open_store` accepts);
``store`` is that store, open. Tests that need DuckDB itself say so by not using these fixtures.

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
from netvigil.store import Store, open_store

BACKENDS: dict[str, Callable[[Path], str]] = {
    "duckdb": lambda folder: f"duckdb://{folder / 'store.duckdb'}",
    "remote": lambda folder: f"duckdb://{folder / 'served.duckdb'}",
}
SERVED = {"remote"}


@pytest.fixture(params=sorted(BACKENDS))
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty store of each backend (for ``remote``: held by a running service)."""
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
