"""A durable on-disk queue of measurements and the uploader that drains it to the observatory.

Each measurement is one file in the queue directory, written to a temporary name, synced and then
renamed, so a crash or power cut leaves either the whole measurement or nothing. The uploader
POSTs batches to ``{base}/api/v1/measurements`` (JSON array, ``Authorization: Bearer <token>``) and
deletes the files only after a 2xx answer. On any failure it waits with exponential backoff and
jitter and tries again; nothing is lost while the network is cut. A batch sent twice (the answer
was lost) is harmless: the server de-duplicates by measurement id. Measurements keep their own
``measurement_start_time``; the server records when it received them, so the delay stays known.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

API_PATH: Final = "/api/v1/measurements"


class DiskQueue:
    """Measurements waiting for upload, one JSON file each, oldest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def put(self, measurement: dict[str, Any]) -> Path:
        """Store one measurement durably (write, fsync, rename)."""
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}.json"
        tmp = self.directory / f".{name}.tmp"
        with open(tmp, "wb") as handle:
            handle.write(json.dumps(measurement, separators=(",", ":")).encode())
            handle.flush()
            os.fsync(handle.fileno())
        final = self.directory / name
        os.replace(tmp, final)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return final

    def pending(self) -> list[Path]:
        """Queued files, oldest first."""
        return sorted(p for p in self.directory.glob("*.json") if not p.name.startswith("."))

    def __len__(self) -> int:
        return len(self.pending())


@dataclass(frozen=True, slots=True)
class UploadConfig:
    """Where to upload and how patiently: backoff doubles from ``backoff_min`` up to ``backoff_max``."""

    base_url: str
    token: str | None = None
    batch: int = 50
    timeout: float = 10.0
    backoff_min: float = 1.0
    backoff_max: float = 60.0


def post_batch(config: UploadConfig, items: list[dict[str, Any]]) -> str | None:
    """POST one batch; returns None on a 2xx answer, else a short description of the failure.

    This is where urllib's errors enter: every one becomes that description (data), so the
    uploader retries instead of stopping.
    """
    request = urllib.request.Request(
        config.base_url.rstrip("/") + API_PATH,
        data=json.dumps(items).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if config.token:
        request.add_header("Authorization", f"Bearer {config.token}")
    try:
        with urllib.request.urlopen(request, timeout=config.timeout) as response:
            response.read()
            return None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}"


def _load(paths: list[Path]) -> tuple[list[dict[str, Any]], list[Path]]:
    items, kept = [], []
    for path in paths:
        try:
            items.append(json.loads(path.read_bytes()))
            kept.append(path)
        except (OSError, ValueError):
            path.rename(path.with_suffix(".bad"))
    return items, kept


def drain(
    queue: DiskQueue,
    config: UploadConfig,
    *,
    deadline: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_event: Callable[[str], None] | None = None,
) -> int:
    """Upload until the queue is empty (or ``deadline``, monotonic seconds); returns files uploaded."""
    sent = 0
    delay = config.backoff_min
    while True:
        batch = queue.pending()[: config.batch]
        if not batch:
            return sent
        if deadline is not None and time.monotonic() >= deadline:
            return sent
        items, paths = _load(batch)
        problem = post_batch(config, items) if items else None
        if problem is None:
            for path in paths:
                path.unlink(missing_ok=True)
            sent += len(paths)
            delay = config.backoff_min
            continue
        if on_event:
            on_event(f"upload failed ({problem}); retrying in {delay:.1f} s, {len(queue)} queued")
        sleep(delay * (0.5 + random.random() / 2))
        delay = min(delay * 2, config.backoff_max)
