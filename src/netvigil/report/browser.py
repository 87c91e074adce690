"""HTML to PDF and PNG through headless Chromium (Debian package ``chromium``).

Chromium's own print engine lays the page out as a browser would, so the PDF reads like the HTML.
It runs with no network, no sandbox (CI runs as root) and a throw-away profile directory.
``$NETVIGIL_CHROMIUM`` names the executable to use instead of searching ``PATH`` (a path that is
not an executable file means "no Chromium", which is how the tests hide it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from netvigil.model.errors import ConfigError, NetvigilError

ARGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
TIMEOUT: Final = 120
ENV_PATH: Final = "NETVIGIL_CHROMIUM"
NAMES: Final = ("chromium", "chromium-browser", "google-chrome")
HOW_TO_GET: Final = "apt-get install chromium (or scripts/system-deps.sh), or set $NETVIGIL_CHROMIUM"
MISSING: Final = f"PDF and PNG reports need Chromium: {HOW_TO_GET}"
HEIGHT_MARK: Final = "netvigil-page-height"
MAX_HEIGHT: Final = 30_000


def find_chromium() -> str | None:
    """The Chromium executable ($NETVIGIL_CHROMIUM, else the first on PATH), or None."""
    named = os.environ.get(ENV_PATH)
    if named is not None:
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else None
    return next((found for found in map(shutil.which, NAMES) if found), None)


def chromium() -> str:
    """The Chromium executable; a clear error when it is missing."""
    found = find_chromium()
    if found is None:
        raise ConfigError(MISSING)
    return found


def _run(extra: list[str], page: Path) -> bytes:
    """Run headless Chromium on ``page``; returns what it printed on stdout."""
    with tempfile.TemporaryDirectory(prefix="netvigil-chromium-") as profile:
        command = [chromium(), *ARGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise NetvigilError(
            f"chromium failed ({done.returncode}): {done.stderr.decode(errors='replace')[-400:]}"
        )
    return done.stdout


def print_pdf(page: Path, out: Path) -> Path:
    """Print an HTML file to PDF (paper size from the page's CSS ``@page``, no header or footer)."""
    tmp = out.with_suffix(".pdf.part")
    _run([f"--print-to-pdf={tmp}", "--no-pdf-header-footer"], page)
    tmp.replace(out)
    return out


def page_height(page: Path, width: int) -> int:
    """The height in CSS pixels of the page laid out ``width`` wide (its script writes it in the DOM)."""
    dom = _run(["--dump-dom", "--virtual-time-budget=2000", f"--window-size={width},800"], page)
    found = re.search(rf'{HEIGHT_MARK}="(\d+)"'.encode(), dom)
    if found is None:
        raise NetvigilError(f"{page.name} does not say its height ({HEIGHT_MARK}); no whole-page picture")
    return min(int(found.group(1)), MAX_HEIGHT)


def screenshot(page: Path, out: Path, width: int = 1100, height: int | None = None) -> Path:
    """Render an HTML file to a PNG ``width`` wide; the whole page unless a ``height`` is given."""
    tall = height if height is not None else page_height(page, width)
    tmp = out.with_name(out.name + ".part.png")
    _run([f"--screenshot={tmp}", f"--window-size={width},{tall}"], page)
    tmp.replace(out)
    return out
