"""The registry of public sources (IODA, OONI, Cloudflare Radar, RIPE Atlas, RIS and Route Views).

Each source is one module under ``netvigil.sources`` that implements :class:`PublicSource` and
registers itself when imported (``register(IodaSource())`` at its end). Modules are imported
only when a source is asked for by name (:func:`get`), so ``netvigil --help`` imports none of them;
:data:`MODULES` says which module holds which source.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

from netvigil.model.errors import UnknownNameError
from netvigil.model.foreign import ForeignEvent, Window
from netvigil.model.signals import SignalPoint
from netvigil.sources.http import SourceClient, SourceSettings

MODULES: Final[dict[str, str]] = {
    "ioda": "netvigil.sources.ioda",
    "ooni": "netvigil.sources.ooni_api",
    "ooni-archive": "netvigil.sources.ooni_api",
    "radar": "netvigil.sources.radar",
    "atlas": "netvigil.sources.atlas",
    "ris": "netvigil.sources.bgp_archive",
    "routeviews": "netvigil.sources.bgp_archive",
}
"""Source name → the module that registers it. A new source adds one line here."""

_REGISTERED: dict[str, PublicSource] = {}


class PublicSource(Protocol):
    """One public source; this docstring is the guide a per-source module follows.

    **Declare** ``settings``, a :class:`~netvigil.sources.http.SourceSettings`: the short ``name``
    (``"ioda"``; it prefixes the signal names and fills ``SignalPoint.source``), the ``label``
    people know (``"IODA"``), the default base URL and the ``NETVIGIL_<NAME>_URL`` variable that
    overrides it, the token variable and whether a token is required (``token_required``), and
    the politeness limits the service asks for (``min_interval``, ``retries``, ``max_retry_after``).
    ``signals`` lists the signal names it yields (``("ioda.bgp", "ioda.ping-slash24")``);
    ``window`` is the span in seconds of one fetch (see :func:`fetch_windows`).

    **Fetch only through the client** it is given (``client.get_json``, ``client.pages``,
    ``client.download``): retries, Retry-After, politeness, the cache and the translation of every
    network, HTTP and JSON error are done there, once. A source module catches no httpx error and
    builds no error message of its own; when an answer is readable HTTP but not what the API
    promises (IODA's ``error`` field on a 200, a missing key), it raises
    ``client.fail("malformed", url, "what was wrong")``; when the service has nothing for the
    entity, it raises ``client.fail("empty", url, "no data for country:KZ")`` or returns nothing,
    as its docstring says.

    **Map entities** both ways: the netvigil entity (``country:KZ``, ``asn:29355``,
    ``region:KZ-75``) to the service's code, and each answer back to the netvigil entity. An
    entity kind the service does not know yields nothing (an empty iterator or list), not an error.

    **Return netvigil data**: :meth:`fetch_signals` yields lists of
    :class:`~netvigil.model.signals.SignalPoint` (one list per request, so the caller can store as
    it goes; times in Unix seconds, ``signal`` named ``<source>.<series>``, ``source`` = the
    source's name); :meth:`fetch_events` returns :class:`~netvigil.model.foreign.ForeignEvent`
    values, keeping the source's own kind, level, score and id. A source that has no signals or
    no events returns empty. Both take ``since`` and ``until`` (Unix seconds, ``[since, until)``):
    the caller passes one window at a time and stores it before asking for the next, so the
    methods must fetch exactly that span, nothing more — that is what makes a restarted
    backfill fetch nothing twice. Parse with the project's existing decoders (the OONI importer,
    the MRT reader) rather than a second parser.

    **Test** against a replay of the service in its own format (``sim/services_<name>.py`` on
    :class:`~netvigil.sim.services.ServiceHarness`), with its faults switched on.
    """

    settings: SourceSettings
    signals: tuple[str, ...]
    window: int

    def fetch_signals(
        self, client: SourceClient, entity: str, since: int, until: int
    ) -> Iterator[list[SignalPoint]]:
        """The signal points of ``entity`` in ``[since, until)``, a list per request."""
        ...

    def fetch_events(self, client: SourceClient, entity: str, since: int, until: int) -> list[ForeignEvent]:
        """The source's outage events and alerts for ``entity`` that overlap ``[since, until)``."""
        ...


@runtime_checkable
class MeasurementSource(PublicSource, Protocol):
    """A source that also gives raw measurements in OONI's format (OONI's API and archives).

    The caller feeds them to the OONI importer (:func:`netvigil.pipeline.ooni.import_lines`), the
    same path a user's ``.jsonl`` file takes, so a measurement is parsed and classified once.
    """

    def fetch_measurements(
        self, client: SourceClient, entity: str, since: int, until: int
    ) -> Iterator[list[bytes]]:
        """Whole measurements of ``entity`` started in ``[since, until)``, one JSON document per item."""
        ...


@runtime_checkable
class ArchiveSource(PublicSource, Protocol):
    """A source of MRT archive files (RIPE RIS, Route Views): the whole table, every country at once.

    The caller replays the files, in order, through the MRT decoder into the visibility signals
    (:func:`netvigil.pipeline.bgp.ingest_bgp_files`), keeping the entities it watches.
    """

    def fetch_archives(self, client: SourceClient, since: int, until: int) -> list[Path]:
        """The cached files for ``[since, until)``: the RIB at ``since``, then the updates in time order."""
        ...


def register(source: PublicSource) -> PublicSource:
    """Make ``source`` known by its name (a module calls this when imported); returns it."""
    _REGISTERED[source.settings.name] = source
    return source


def names() -> list[str]:
    """The names of the sources available here (registered, or whose module is installed), sorted."""
    present = {name for name, module in MODULES.items() if importlib.util.find_spec(module) is not None}
    return sorted(present | _REGISTERED.keys())


def get(name: str) -> PublicSource:
    """The source called ``name``, its module imported if need be; else :class:`UnknownNameError`."""
    if name not in _REGISTERED and name in MODULES and importlib.util.find_spec(MODULES[name]) is not None:
        importlib.import_module(MODULES[name])
    try:
        return _REGISTERED[name]
    except KeyError:
        known = ", ".join(names()) or "none"
        raise UnknownNameError(f"unknown source {name!r}; known: {known}") from None


def fetch_windows(since: int, until: int, size: int) -> list[Window]:
    """The windows of ``size`` seconds, aligned to multiples of ``size``, that cover ``[since, until)``.

    The first window starts at or before ``since`` and the last ends at or after ``until``, so
    the same span always gives the same windows whatever ``since`` a run starts from. An empty
    span has no windows.
    """
    if size <= 0:
        raise ValueError(f"window size must be positive, got {size}")
    if until <= since:
        return []
    first = since - since % size
    return [Window(start, start + size) for start in range(first, until, size)]
