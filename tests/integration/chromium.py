"""How netvigil drives a real browser: Debian's Chromium, headless, through Playwright.

The flags are the report renderer's (:data:`netvigil.report.browser.ARGS`: headless, no sandbox
as CI runs as root, no GPU, no background networking), so every part of netvigil runs Chromium
the same way. Shared by the dashboard tests and ``benchmarks/bench_serve.py``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

from netvigil.report.browser import ARGS

CHROMIUM = Path("/usr/bin/chromium")


def launch(playwright: Playwright) -> Browser:
    """Start headless Chromium with the shared flags."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(ARGS), headless=True)
