"""How netvigil drives a real browser: Debian's Chromium, headless, through Playwright.

Shared by the dashboard tests and ``benchmarks/bench_serve.py`` so both launch the same way.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def launch(playwright: Playwright) -> Browser:
    """Start headless Chromium with the flags above."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(ARGS), headless=True)
