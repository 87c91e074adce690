"""Entity identifiers (contract 3.1) and entity records.

``country:KZ``, ``region:KZ-75``, ``asn:29355``, ``service:whatsapp`` optionally scoped by where
it was seen from (``service:whatsapp@country:KZ``, ``@asn:29355``, ``@region:KZ-75`` or any other
entity that is not itself a service), and ``local:US-LA/calcasieu``: a user-defined place below
ISO 3166-2 (a county, a city, a data centre), named by the ISO country or subdivision it lies in, a
slash and a lower-case name of the user's choosing. Its parent defaults to that country or
subdivision; a declaration (``geo.entities``) may put it under another local entity instead.
Parsing is strict: an identifier either parses or raises :class:`EntityParseError` (an
:class:`InputError`) saying what the forms are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final, Literal

from netvigil.model.errors import EntityParseError

EntityType = Literal["country", "region", "asn", "service", "local"]
NetworkKind = Literal["mobile", "fixed", "mixed", "transit", "datacenter", "content"]
NETWORK_KINDS: Final[tuple[NetworkKind, ...]] = (
    "mobile",
    "fixed",
    "mixed",
    "transit",
    "datacenter",
    "content",
)
ACCESS_KINDS: Final[frozenset[str]] = frozenset({"mobile", "fixed", "mixed"})

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_REGION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_ASN = re.compile(r"^[0-9]{1,10}$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_LOCAL = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?/[a-z0-9][a-z0-9_.-]{0,63}$")
ENTITY_FORMS: Final = (
    "country:CC, region:CC-XXX, asn:N, local:CC[-XXX]/name or "
    "service:NAME[@country:CC|@asn:N|@region:CC-XXX|@local:…]"
)


@dataclass(frozen=True, slots=True, order=True)
class EntityId:
    """A parsed entity identifier; ``str()`` gives back the canonical text form."""

    type: EntityType
    code: str
    scope: EntityId | None = None

    def __str__(self) -> str:
        text = f"{self.type}:{self.code}"
        return f"{text}@{self.scope}" if self.scope is not None else text

    @property
    def country_code(self) -> str | None:
        """The ISO country this identifier is tied to by its own text, if any."""
        if self.type == "country":
            return self.code
        if self.type in ("region", "local"):
            return self.code[:2]
        if self.scope is not None:
            return self.scope.country_code
        return None

    @property
    def place(self) -> EntityId | None:
        """For a local entity, the ISO country or subdivision its identifier names; else None."""
        if self.type != "local":
            return None
        prefix = self.code.partition("/")[0]
        return EntityId("region", prefix) if "-" in prefix else EntityId("country", prefix)

    @property
    def seen_from(self) -> EntityId | None:
        """Where a scoped service was seen from (its ``@`` scope); ``None`` for other entities."""
        return self.scope if self.type == "service" else None


def service_scope(text: str) -> str:
    """The scope of a service identifier as text: ``service:whatsapp@region:KZ-75`` → ``region:KZ-75``.

    Empty for an unscoped service and for entities that are not services; no parsing is done, so
    any scope spelling (``country:``, ``asn:``, ``region:``, ``local:``) passes through.
    """
    head, _, scope = text.partition("@")
    return scope if head.startswith("service:") else ""


def parse_entity(text: str) -> EntityId:
    """Parse ``text`` into an :class:`EntityId`, raising :class:`EntityParseError` if malformed."""
    head, sep, scope_text = text.strip().partition("@")
    kind, colon, code = head.partition(":")
    if not colon:
        raise EntityParseError(f"{text!r} is not an entity; expected {ENTITY_FORMS}")
    scope = None
    if sep:
        if kind != "service":
            raise EntityParseError(f"{text!r}: only service entities take an @scope")
        scope = parse_entity(scope_text)
        if scope.type == "service":
            raise EntityParseError(f"{text!r}: a service is scoped by a country, asn, region or local entity")
    if kind == "country" and _COUNTRY.match(code):
        return EntityId("country", code)
    if kind == "region" and _REGION.match(code):
        return EntityId("region", code)
    if kind == "asn" and _ASN.match(code) and 0 < int(code) < 2**32:
        return EntityId("asn", str(int(code)))
    if kind == "service" and _SERVICE.match(code):
        return EntityId("service", code, scope)
    if kind == "local" and _LOCAL.match(code):
        return EntityId("local", code)
    raise EntityParseError(f"{text!r} is not an entity; expected {ENTITY_FORMS}")


@dataclass(frozen=True, slots=True)
class Operator:
    """A network operator (one ASN) with its kind and where each fact came from."""

    asn: int
    name: str
    country: str
    kind: NetworkKind
    source: str
    share: float | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity with its place in the hierarchy (country above regions and ASNs, local below)."""

    id: EntityId
    name: str
    parent: EntityId | None = None
    kind: NetworkKind | None = None
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The canonical identifier text, as stored and as shown in events."""
        return str(self.id)
