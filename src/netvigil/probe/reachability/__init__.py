"""Service-reachability tests in OONI's data format (contract 3.5): one module per test, and a registry.

``TESTS`` maps a test name (OONI's) to a runner; ``ALIASES`` lets users write ``web`` for
``web_connectivity``. Every runner returns one OONI measurement (a dict) and never raises for a
network failure: failures are OONI's strings with the operation that failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from netvigil.model.errors import UnknownNameError
from netvigil.probe.reachability import facebook_messenger, signal, telegram, web_connectivity, whatsapp
from netvigil.probe.reachability.base import ProbeContext
from netvigil.probe.reachability.netx import NetConfig

Runner = Callable[[ProbeContext], dict[str, Any]]
UrlRunner = Callable[[str, ProbeContext], dict[str, Any]]

TESTS: Final[dict[str, Runner]] = {
    "whatsapp": whatsapp.run,
    "telegram": telegram.run,
    "signal": signal.run,
    "facebook_messenger": facebook_messenger.run,
}
URL_TESTS: Final[dict[str, UrlRunner]] = {"web_connectivity": web_connectivity.run}
ALIASES: Final[dict[str, str]] = {"web": "web_connectivity", "facebook": "facebook_messenger"}


def test_names() -> list[str]:
    """Every test name the registry knows (aliases excluded)."""
    return sorted([*TESTS, *URL_TESTS])


def canonical(name: str) -> str:
    """OONI's name of a test given its name or alias; raises :class:`UnknownNameError` for an unknown one."""
    known = ALIASES.get(name, name)
    if known not in TESTS and known not in URL_TESTS:
        raise UnknownNameError(f"unknown test {name!r}; known: {', '.join(test_names())} (or web)")
    return known


__all__ = ["ALIASES", "TESTS", "URL_TESTS", "NetConfig", "ProbeContext", "canonical", "test_names"]
