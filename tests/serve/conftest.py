"""Fixtures: a filled Kazakhstan store, an app on it, and an in-process client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from netvigil.serve.app import create_app
from netvigil.serve.settings import load_settings
from netvigil.store import Store, open_store
from tests.alert.receiver import receiver
from tests.serve import kzdata

__all__ = ["app", "client", "kz_store", "receiver", "unthrottled_client"]


@pytest.fixture(scope="module")
def kz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store with the Kazakhstan-like signals and events (built once per module)."""
    path = Path(tmp_path_factory.mktemp("kz")) / "kz.duckdb"
    with open_store(path) as store:
        kzdata.fill(store)
        yield store


@pytest.fixture
def app(kz_store: Store) -> FastAPI:
    """The app over the KZ store, with caching off so every request reaches the code."""
    return create_app(kz_store, load_settings({"cache_seconds": "0", "rate_limit_per_minute": "0"}, env={}))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An in-process HTTP client."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def unthrottled_client(kz_store: Store) -> Iterator[TestClient]:
    """A client of the app with the cache and both rate limits off, kept for a module of many requests."""
    settings = {"cache_seconds": "0", "rate_limit_per_minute": "0", "write_rate_limit_per_minute": "0"}
    with TestClient(create_app(kz_store, load_settings(settings, env={}))) as test_client:
        yield test_client
