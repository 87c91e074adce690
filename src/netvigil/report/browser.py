"""HTML to PDF and PNG through headless Chromium (Debian package ``chromium``).

Chromium's own print engine lays the page out as a browser would, so the PDF reads like the HTML.
It runs with no network, no sandbox (CI runs as root) and a throw-away profile directory.
"""

from __future__ import annotations

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


def chromium() -> str:
    """The Chromium executable; a clear error when it is missing."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise ConfigError("PDF and PNG reports need Chromium: apt-get install chromium (scripts/system-deps.sh)")


def _run(extra: list[str], page: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="netvigil-chromium-") as profile:
        command = [chromium(), *ARGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0:
        raise NetvigilError(
            f"chromium failed ({done.returncode}): {done.stderr.decode(errors='replace')[-400:]}"
        )


def print_pdf(page: Path, out: Path) -> Path:
    """Print an HTML file to PDF (A4, no header or footer)."""
    tmp = out.with_suffix(".pdf.part")
    _run([f"--print-to-pdf={tmp}", "--no-pdf-header-footer"], page)
    tmp.replace(out)
    return out


def screenshot(page: Path, out: Path, width: int = 1100, height: int = 2400) -> Path:
    """Render an HTML file to a PNG of the given window size."""
    tmp = out.with_name(out.name + ".part.png")
    _run([f"--screenshot={tmp}", f"--window-size={width},{height}"], page)
    tmp.replace(out)
    return out
