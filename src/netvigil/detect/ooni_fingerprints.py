"""OONI's blocking fingerprints: which DNS answers and HTTP responses are known block pages.

The two lists in ``detect/data`` are OONI's own (ooni/backend fastpath test data, BSD-3-Clause;
tests/fixtures/PROVENANCE.md): 150 DNS answers and 1,699 HTTP body or header patterns, each with a
scope (``nat`` a country's censorship, ``isp`` one operator's, ``inst``, ``prod``, ``fp`` …) and
the countries where it is expected. They are matched the way fastpath's ``match_fingerprints``
does — a DNS answer equal to the pattern; a body containing it (every body pattern is taken as
text, as fastpath does, whatever its ``pattern_type``); a header equal to it (``full``) or starting
with it (``prefix``) — and a match *confirms* blocking when fastpath's ``is_confirmed`` says so: the
probe's country is one the fingerprint expects, or its scope is ``nat`` or ``isp``.

Only fingerprints that can confirm something are kept here: a match of any other kind changes no
verdict. Reading the package data is the only I/O, once per process.
"""

from __future__ import annotations

import binascii
import json
from base64 import b64decode
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Final

from netvigil.detect.jsonview import as_array, as_object, is_object

CONFIRMING_SCOPES: Final = frozenset({"nat", "isp"})


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """One fingerprint: its OONI name, where it is looked for, the pattern and who it confirms for."""

    name: str
    scope: str
    location: str
    pattern_type: str
    pattern: str
    countries: frozenset[str]

    def confirms_in(self, probe_cc: str) -> bool:
        """Fastpath's ``is_confirmed``: a country the fingerprint expects, or a national/ISP scope."""
        return (probe_cc != "ZZ" and probe_cc in self.countries) or self.scope in CONFIRMING_SCOPES


def _countries(text: str) -> frozenset[str]:
    codes = {cc.strip().upper() for cc in text.split(",")}
    return frozenset(codes - {"", "ZZ"})


def _load(name: str) -> tuple[Fingerprint, ...]:
    path = resources.files("netvigil.detect").joinpath(f"data/ooni_fingerprints_{name}.json")
    return tuple(
        Fingerprint(
            name=fp["name"],
            scope=fp["scope"],
            location=fp["location_found"],
            pattern_type=fp["pattern_type"],
            pattern=fp["pattern"],
            countries=_countries(fp["expected_countries"]),
        )
        for fp in json.loads(path.read_text("utf-8"))
    )


@dataclass(frozen=True, slots=True)
class _Table:
    """The fingerprints able to confirm blocking for one country, indexed for matching."""

    dns: Mapping[str, Fingerprint]
    body: tuple[Fingerprint, ...]
    header_full: Mapping[str, Mapping[str, Fingerprint]]
    """header name → whole value → fingerprint"""
    header_prefix: Mapping[str, tuple[tuple[str, ...], tuple[Fingerprint, ...]]]
    """header name → (the prefixes, for one ``str.startswith``, and their fingerprints)"""


@cache
def _all() -> tuple[tuple[Fingerprint, ...], tuple[Fingerprint, ...]]:
    return _load("dns"), _load("http")


@lru_cache(maxsize=1024)
def _table(probe_cc: str) -> _Table:
    dns, http = _all()
    useful = [fp for fp in http if fp.confirms_in(probe_cc)]
    full: dict[str, dict[str, Fingerprint]] = {}
    prefix: dict[str, list[Fingerprint]] = {}
    for fp in useful:
        name = fp.location.removeprefix("header.")
        if fp.location.startswith("header.") and fp.pattern_type == "full":
            full.setdefault(name, {}).setdefault(fp.pattern, fp)
        elif fp.location.startswith("header.") and fp.pattern_type == "prefix":
            prefix.setdefault(name, []).append(fp)
    return _Table(
        dns={fp.pattern: fp for fp in reversed(dns) if fp.confirms_in(probe_cc)},
        body=tuple(fp for fp in useful if fp.location == "body"),
        header_full=full,
        header_prefix={name: (tuple(fp.pattern for fp in fps), tuple(fps)) for name, fps in prefix.items()},
    )


def dns_match(probe_cc: str, queries: object) -> Fingerprint | None:
    """The first DNS answer (``ipv4``, else ``hostname``, else ``ipv6``) that is a confirming fingerprint."""
    table = _table(probe_cc)
    for query in as_array(queries):
        for answer in as_array(as_object(query).get("answers")):
            entry = as_object(answer)
            address = next((entry[k] for k in ("ipv4", "hostname", "ipv6") if k in entry), "")
            found = table.dns.get(address) if isinstance(address, str) else None
            if found is not None:
                return found
    return None


_UNDECODABLE: Final = b""


def _body(response: Mapping[str, Any]) -> str | bytes | None:
    """The response body as text, or as bytes when OONI wrote it in base64 (empty when that fails)."""
    body = response.get("body")
    if is_object(body):
        if "data" in body and body.get("format", "") == "base64" and isinstance(body["data"], str):
            try:
                return b64decode(body["data"]) or None
            except (binascii.Error, ValueError):
                return _UNDECODABLE
        return None
    return body if isinstance(body, str) else None


def _body_match(table: _Table, body: str | bytes) -> Fingerprint | None:
    if isinstance(body, bytes):
        return next((fp for fp in table.body if fp.pattern.encode() in body), None)
    return next((fp for fp in table.body if fp.pattern in body), None)


def _header_value(value: object) -> str | None:
    entry = as_object(value)
    if entry.get("format") == "base64" and isinstance(entry.get("data"), str):
        try:
            return b64decode(entry["data"]).decode("latin1")
        except (binascii.Error, ValueError):
            return None
    return value if isinstance(value, str) else None


def _header_match(table: _Table, headers: Mapping[str, Any]) -> Fingerprint | None:
    """A confirming fingerprint in the response headers (names compared without case)."""
    for name in headers:
        key = name.lower() if isinstance(name, str) else ""
        full = table.header_full.get(key)
        if full is not None:
            value = headers[name]
            found = full.get(value) if isinstance(value, str) else None
            if found is not None:
                return found
        prefix = table.header_prefix.get(key)
        if prefix is not None:
            value = _header_value(headers[name])
            if value is not None and value.startswith(prefix[0]):
                return next(fp for fp in prefix[1] if value.startswith(fp.pattern))
    return None


def response_bodies_valid(requests: object) -> bool:
    """Whether every base64 body of ``requests`` decodes (fastpath fails a measurement otherwise)."""
    return all(_body(response) is not _UNDECODABLE for response in _responses(requests))


def _responses(requests: object) -> Iterable[Mapping[str, Any]]:
    for request in as_array(requests):
        response = as_object(request).get("response")
        if is_object(response):
            yield response


def http_match(probe_cc: str, requests: object, *, bodies: bool = True) -> Fingerprint | None:
    """The first confirming fingerprint in the responses' headers or (with ``bodies``) bodies."""
    table = _table(probe_cc)
    for response in _responses(requests):
        found = _header_match(table, as_object(response.get("headers")))
        if found is None and bodies:
            body = _body(response)
            found = _body_match(table, body) if body else None
        if found is not None:
            return found
    return None
