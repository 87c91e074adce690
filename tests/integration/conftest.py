"""Fixtures shared by the browser tests: the app over the KZ-like store, and one headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from tests.integration.chromium import launch
from tests.integration.harness import serve_kz


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard and API over a freshly filled, synthetic-marked KZ store on loopback."""
    with serve_kz(Path(tmp_path_factory.mktemp("pages"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium with netvigil's flags, one per test module."""
    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()
