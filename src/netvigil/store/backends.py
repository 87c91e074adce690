"""The composition root: :func:`open_store` turns ``--db`` / ``$NETVIGIL_DB`` / a URL into a store.

A location is a plain path (an embedded DuckDB file), ``:memory:``, or a URL whose scheme names a
backend: ``duckdb:///abs/path``, ``duckdb:///:memory:`` (``duckdb:relative/path`` too),
``chdb:///abs/dir`` (embedded ClickHouse in a directory), ``clickhouse://host:8123/database`` (a
ClickHouse server or cluster; ``clickhouses://`` over TLS). Backends are registered by scheme in
:data:`BACKENDS`; each opener imports its backend when first used, so code that never opens a
store never loads the database library, and adding a backend is one registration. Nothing outside
``store/`` imports a backend. The lock timeout is DuckDB's: ClickHouse has no file lock.

A store that a running ``netvigil serve`` (or ``watch``) holds is opened through that service:
the service publishes an endpoint file beside the store (:mod:`netvigil.store.service`), and
:func:`open_store` returns a :class:`~netvigil.store.remote.RemoteStore` speaking to it — the same
protocol, so every command works while the service runs. Without a service, a DuckDB store whose
lock another process holds fails within ``lock_timeout`` (1 s) with a :class:`StoreBusyError`
naming that process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from netvigil.model.errors import ConfigError, StoreBusyError
from netvigil.store.protocol import Store
from netvigil.store.service import ENDPOINT_SUFFIX, live_endpoint

ENV_DB: Final = "NETVIGIL_DB"
DEFAULT_SCHEME: Final = "duckdb"
_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:/")


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """Where a store lives: the backend's scheme and the backend-specific rest (a path, a host)."""

    scheme: str
    target: str


Opener = Callable[[StoreLocation, bool, float], Store]


def _open_duckdb(location: StoreLocation, read_only: bool, lock_timeout: float) -> Store:
    from netvigil.store.duckdb import DuckDBStore  # noqa: PLC0415 - load DuckDB only when opened

    return DuckDBStore(location.target, read_only=read_only, lock_timeout=lock_timeout)


def _open_chdb(location: StoreLocation, read_only: bool, lock_timeout: float) -> Store:
    from netvigil.store.clickhouse import open_chdb  # noqa: PLC0415 - load chdb only when opened

    return open_chdb(location.target, read_only=read_only)


def _open_clickhouse(location: StoreLocation, read_only: bool, lock_timeout: float) -> Store:
    from netvigil.store.clickhouse import open_server  # noqa: PLC0415 - load clickhouse-connect only when opened

    return open_server(location.target, read_only=read_only)


BACKENDS: Final[dict[str, Opener]] = {
    "duckdb": _open_duckdb,
    "chdb": _open_chdb,
    "clickhouse": _open_clickhouse,
    "clickhouses": _open_clickhouse,
}
SERVED_SCHEMES: Final[frozenset[str]] = frozenset({"duckdb", "chdb"})
"""Backends whose store is a local file (or folder) one process holds: a running serve shares it."""
LOCK_TIMEOUT: Final = 1.0


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/netvigil/netvigil.duckdb`` (``~/.local/share`` when unset)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "netvigil" / "netvigil.duckdb"


def default_location() -> str:
    """``$NETVIGIL_DB`` (a path or a URL), else :func:`default_db_path`."""
    return os.environ.get(ENV_DB) or str(default_db_path())


def parse_location(db: str | Path) -> StoreLocation:
    """A path or ``:memory:`` (embedded DuckDB), or ``scheme:/…`` naming a registered backend.

    Unknown schemes are a :class:`ConfigError` naming the known ones. A ``pathlib.Path`` made from
    a URL has lost a slash (``duckdb:/abs``); that reads the same.
    """
    text = str(db)
    if _URL.match(text) is None:
        return StoreLocation(DEFAULT_SCHEME, text)
    return _from_url(text)


def _from_url(text: str) -> StoreLocation:
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        known = ", ".join(f"{s}://" for s in sorted(BACKENDS))
        raise ConfigError(
            f"unknown store URL scheme {scheme + '://'!r} in {text!r}; "
            f"supported: a file path, :memory:, or {known}"
        )
    if scheme == DEFAULT_SCHEME:
        return StoreLocation(scheme, _duckdb_target(parts.netloc, parts.path, text))
    return StoreLocation(scheme, text)


def _duckdb_target(netloc: str, path: str, text: str) -> str:
    if netloc:
        raise ConfigError(f"a duckdb URL names a file, not a host: {text!r} (use duckdb:///abs/path)")
    if path in ("/:memory:", ":memory:"):
        return ":memory:"
    if not path:
        raise ConfigError(f"a duckdb URL needs a file path: {text!r} (use duckdb:///abs/path)")
    return path


def endpoint_path(db: str | Path | None = None) -> Path | None:
    """Where the store service of ``db`` publishes its endpoint; None for a store no local file names."""
    location = parse_location(db if db is not None and str(db) else default_location())
    if location.scheme not in SERVED_SCHEMES or location.target == ":memory:":
        return None
    local = location.target if location.scheme == DEFAULT_SCHEME else urlsplit(location.target).path
    target = Path(local).absolute()
    return target.with_name(target.name + ENDPOINT_SUFFIX)


def open_store(
    db: str | Path | None = None,
    *,
    read_only: bool = False,
    lock_timeout: float = LOCK_TIMEOUT,
    through_service: bool = True,
) -> Store:
    """Open the store at ``db`` (or ``$NETVIGIL_DB``, else the default file): the one way to open one.

    When a running ``netvigil serve`` holds the store (its endpoint file names a live process),
    the store is opened through that service unless ``through_service`` is False (the service
    itself opens the file directly). Otherwise the backend opens it, waiting at most
    ``lock_timeout`` seconds for another process's lock.

    Raises :class:`~netvigil.model.errors.ConfigError` for an unknown URL scheme,
    :class:`~netvigil.model.errors.StoreBusyError` when another process holds the store and
    serves it to nobody, and :class:`~netvigil.model.errors.StoreError` when it cannot be opened.
    """
    chosen = db if db is not None and str(db) else default_location()
    location = parse_location(chosen)
    served = _through_service(chosen, read_only) if through_service else None
    if served is not None:
        return served
    try:
        return BACKENDS[location.scheme](location, read_only, lock_timeout)
    except StoreBusyError:
        served = _through_service(chosen, read_only) if through_service else None
        if served is None:
            raise
        return served


def _through_service(db: str | Path, read_only: bool) -> Store | None:
    """The store through its running service, or None when no live service holds it."""
    path = endpoint_path(db)
    endpoint = live_endpoint(path) if path is not None else None
    if endpoint is None:
        return None
    from netvigil.store.remote import RemoteStore  # noqa: PLC0415 - load httpx only when a service runs

    return RemoteStore.connect(endpoint, read_only=read_only)
