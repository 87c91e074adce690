"""The one exception tree of netvigil.

    NetvigilError
    ├── InputError          bad user input (file, line, what was expected); CLI exit 2, API 422
    │   ├── UnknownEntityError  an entity identifier that is well formed but names nothing known
    │   ├── EntityParseError    (also ValueError) text that has none of the entity forms (contract 3.1)
    │   ├── StepError           (also ValueError) a series not on a regular step of 1 min .. 1 day
    │   ├── UnknownNameError    (also KeyError) a name no registry of netvigil knows (a probe test, …)
    │   └── MeasurementError    an OONI-format measurement that cannot be stored; ``field`` names the culprit
    ├── StoreError          the store cannot be opened, migrated or written
    │   └── StoreBusyError      another process holds the write lock for too long
    ├── ConfigError         a setting has an invalid value
    ├── ApiError            an answer the HTTP API gives on purpose: status, code and a sentence
    ├── ClusterError        the Dask cluster cannot be reached, or a batch task failed for good
    └── SourceError         a public data source (IODA, OONI, Radar, …) failed; ``kind`` says how

Every class netvigil raises on purpose is in this module and descends from :class:`NetvigilError`
(a test walks every module to keep it so). The second parents are kept where callers outside
netvigil may catch the built-in type: :func:`netvigil.model.entities.parse_entity` and
:func:`netvigil.detect.grid.infer_step` have always raised a ``ValueError``, and
:func:`netvigil.probe.reachability.canonical` a ``KeyError``, like a mapping.

Rules:

- Foreign errors are translated once, where they enter, by one small context manager per
  boundary (the way httpx maps httpcore's errors in ``map_httpcore_exceptions``): files with
  :func:`reading` (``OSError`` → :class:`InputError`); the RIS Live websocket in
  ``sources.ris_live`` (a bad URL → :class:`InputError`, a dropped connection → a reconnect); HTTP
  in ``probe.reachability.uploader`` and ``alert.webhook`` (→ a failure string, data); HTTP from
  the public sources in ``sources.http`` (→ :class:`SourceError`); DuckDB in ``store/``
  (→ :class:`StoreError`); Dask distributed in ``pipeline.cluster`` (→ :class:`ClusterError`).
  Nothing above those places catches a foreign error.
- An internal parse helper may raise ``ValueError`` when the same module (or package, for the MRT
  decoder) catches it and raises :class:`InputError` with the file and line, e.g.
  ``sources.signal_csv.point_from_fields``; so may :func:`netvigil.model.events.parse_iso`,
  whose every caller turns it into an :class:`InputError` naming the option or field.
- A programming mistake of the calling code (bins fed out of order, a mapping protocol's missing
  key) stays the built-in ``ValueError``/``KeyError``/``TypeError``: it is not the user's input.
- Network and probe failures are not exceptions: they are data (see ``model.failures``). A public
  source that cannot be read is different: the fetch of that source stops, so it raises
  :class:`SourceError` once, and the caller reports it and goes on with the other sources.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, Literal


class NetvigilError(Exception):
    """Base of every error netvigil raises on purpose."""


class InputError(NetvigilError):
    """Bad input: says which file and line, and what was expected there."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.detail = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class UnknownEntityError(InputError):
    """An entity identifier that is well formed but names nothing known."""


class EntityParseError(InputError, ValueError):
    """An identifier that does not have one of the entity forms (contract 3.1)."""


class StepError(InputError, ValueError):
    """A series whose points are not on a regular step between one minute and one day."""


class UnknownNameError(InputError, KeyError):
    """A name that none of netvigil's registries knows; the message says which names are known."""

    __str__ = InputError.__str__


class MeasurementError(InputError):
    """An OONI-format measurement that cannot be stored, and the envelope field at fault.

    ``field`` is the top-level key that is missing or wrong (``measurement_start_time``,
    ``probe_cc``, …), or ``None`` when the item as a whole is not a measurement (not a JSON
    object, not JSON at all), so an HTTP answer or a report can name it.
    """

    def __init__(
        self, message: str, *, field: str | None, path: str | None = None, line: int | None = None
    ) -> None:
        self.field = field
        super().__init__(message, path=path, line=line)


class StoreError(NetvigilError):
    """The store cannot be opened, migrated or written."""


class StoreBusyError(StoreError):
    """Another process kept the store's write lock for longer than we were willing to wait."""


class ConfigError(NetvigilError):
    """A setting has a value outside what it accepts."""


class ClusterError(NetvigilError):
    """Batch work on Dask could not run: the scheduler is unreachable, or a task kept failing."""


class ApiError(NetvigilError):
    """An error the API answers with on purpose: status, a short code and a sentence."""

    def __init__(self, status: int, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


@contextmanager
def reading(path: str | os.PathLike[str]) -> Iterator[None]:
    """The boundary where the operating system's errors enter: ``OSError`` → :class:`InputError`.

    ``with reading(path): text = path.read_text()`` says ``PATH: cannot read: No such file or
    directory`` instead of a traceback.
    """
    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=os.fspath(path)) from exc


SourceErrorKind = Literal[
    "offline",
    "timeout",
    "unauthorised",
    "rate_limited",
    "server_error",
    "not_found",
    "rejected",
    "malformed",
    "empty",
    "disk",
]
"""How a public source failed: unreachable, too slow, refused our credentials, told us to slow down,
broke (5xx), has no such resource (404), refused the request (other 4xx), answered something we
cannot read, has no data for what was asked, or the local cache/download file could not be written."""

SOURCE_ERROR_KINDS: Final[frozenset[str]] = frozenset(SourceErrorKind.__args__)  # type: ignore[attr-defined]
SERVICE_WIDE_KINDS: Final[frozenset[str]] = frozenset({"offline", "rate_limited", "unauthorised", "disk"})
"""Failures of the whole source rather than of one request: asking it anything else now is pointless."""


class SourceError(NetvigilError):
    """A public source could not be read: which source, how (``kind``), and the URL that failed.

    The message is one line that says what happened and what to do about it; it is made by the
    HTTP client (``sources.http``), which translates every foreign error exactly once.
    """

    def __init__(self, message: str, *, source: str, kind: SourceErrorKind, url: str) -> None:
        self.source = source
        self.kind: SourceErrorKind = kind
        self.url = url
        super().__init__(message)
