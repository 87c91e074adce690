"""The browser harness: the real app on loopback over the Kazakhstan-like store, and the page checks.

Every page type is read in real headless Chromium at a phone's and a desk's width; each check is
what a person would notice: the page scrolls sideways, the console shows errors, or axe-core (the
accessibility checker, from npm, cached by ``scripts/axe-core.sh``; offline at run time) finds a
serious or critical violation. Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import ConsoleMessage, Page, Request
from tests.serve import kzdata

from netvigil.pipeline.provenance import mark_synthetic
from netvigil.serve.app import create_app
from netvigil.serve.settings import load_settings
from netvigil.store import open_store

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
AXE_VERSION = "4.14.1"
SERIOUS = ("serious", "critical")


def axe_script() -> Path:
    """Where scripts/axe-core.sh caches axe-core (the same rule as the script)."""
    cache = os.environ.get("NETVIGIL_TEST_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "netvigil"
    )
    return Path(cache) / f"axe-core-{AXE_VERSION}" / "axe.min.js"


@contextmanager
def serve_kz(folder: Path) -> Iterator[str]:
    """The app over a freshly filled KZ store under uvicorn on a free loopback port; yields its URL.

    The store is marked synthetic, as the demo marks its own, so every page and poster says so.
    """
    with open_store(folder / "kz.duckdb") as store:
        kzdata.fill(store)
        mark_synthetic(store, "test store shaped on Kazakhstan, January 2022")
        app = create_app(store, load_settings({"rate_limit_per_minute": "0"}, env={}))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def watch_problems(page: Page, expected_statuses: tuple[int, ...] = ()) -> list[str]:
    """Console errors and warnings, uncaught page errors and failed requests, as they happen."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        allowed = any(f"status of {s}" in text for s in expected_statuses)
        if message.type in ("error", "warning") and not allowed:
            problems.append(f"console {message.type}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: record_failed_request(problems, req))
    return problems


def record_failed_request(problems: list[str], request: Request) -> None:
    """A request that failed, unless the browser aborted it because the test moved to another page."""
    if request.failure != "net::ERR_ABORTED":
        problems.append(f"request failed: {request.url} ({request.failure})")


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    width: int = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return max(0, width)


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands, one line each.

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    (``script-src 'self'``) does not block, so the pages are checked under their real policy.
    """
    page.evaluate(axe_script().read_text("utf-8") + "\n;true")
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({', '.join(str(n['target']) for n in v['nodes'][:3])})"
        for v in found
        if v["impact"] in SERIOUS
    ]


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot kept in tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
