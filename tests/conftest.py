"""Shared fixtures: a fresh embedded store per test and the path to recorded data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from netvigil.store import Store, open_store

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Derived data (the registry table) goes to a temporary cache, not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NETVIGIL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A new DuckDB store in a temporary file (the real embedded database, never a mock)."""
    with open_store(tmp_path / "test.duckdb") as opened:
        yield opened


@pytest.fixture
def fixtures() -> Path:
    """The folder of recorded test data (see tests/fixtures/PROVENANCE.md)."""
    return FIXTURES
