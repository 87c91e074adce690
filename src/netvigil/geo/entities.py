"""The entity registry: countries and ISO 3166-2 regions from pycountry, ASNs from the operator table.

Names, parents and children of the identifiers of contract 3.1 (which ``model.entities`` parses).

The operator table (``geo/data/operators.csv``, package data) gives each ASN's name, country,
kind (mobile, fixed, mixed, transit, datacenter, content), its rough share of the country's
traffic where known, and where those facts came from.
"""

from __future__ import annotations

import csv
import functools
import importlib
import io
from collections.abc import Iterator
from importlib import resources
from types import ModuleType

from netvigil.model.entities import (
    NETWORK_KINDS,
    Entity,
    EntityId,
    NetworkKind,
    Operator,
    parse_entity,
)
from netvigil.model.errors import InputError, UnknownEntityError


def load_operators(text: str) -> dict[int, Operator]:
    """Parse an operator table (CSV text with asn,name,country,kind,share,source)."""
    operators: dict[int, Operator] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        kind = row["kind"]
        if kind not in NETWORK_KINDS:
            raise InputError(f"kind {kind!r} is not one of {NETWORK_KINDS}", path="operators.csv", line=line)
        nk: NetworkKind = kind
        share = float(row["share"]) if row.get("share") else None
        asn = int(row["asn"])
        operators[asn] = Operator(asn, row["name"], row["country"], nk, row["source"], share)
    return operators


class EntityRegistry:
    """Names, parents and children of every entity netvigil knows."""

    def __init__(self, operators: dict[int, Operator]) -> None:
        self.operators = operators

    def operator(self, asn: int) -> Operator | None:
        """The operator record of an ASN, if the table has it."""
        return self.operators.get(asn)

    def operators_of(self, country: str) -> list[Operator]:
        """Operators of a country, largest share first."""
        found = [op for op in self.operators.values() if op.country == country]
        return sorted(found, key=lambda op: (-(op.share or 0.0), op.asn))

    def get(self, entity: str | EntityId) -> Entity:
        """The entity for an identifier; raises :class:`UnknownEntityError` if nothing is known."""
        eid = parse_entity(entity) if isinstance(entity, str) else entity
        found = self._lookup(eid)
        if found is None:
            raise UnknownEntityError(f"unknown entity {eid}")
        return found

    def name(self, entity: str) -> str:
        """A display name, falling back to the identifier for entities we have no record of."""
        try:
            return self.get(entity).name
        except InputError:
            return entity

    def _lookup(self, eid: EntityId) -> Entity | None:
        if eid.type == "country":
            country = _pycountry().countries.get(alpha_2=eid.code)
            return Entity(eid, _country_name(country)) if country else None
        if eid.type == "region":
            sub = _pycountry().subdivisions.get(code=eid.code)
            if sub is None:
                return None
            parent = EntityId("country", eid.code[:2])
            return Entity(eid, str(sub.name), parent, attributes={"type": str(sub.type)})
        if eid.type == "asn":
            op = self.operators.get(int(eid.code))
            if op is None:
                return Entity(eid, f"AS{eid.code}")
            return Entity(eid, f"{op.name} (AS{op.asn})", EntityId("country", op.country), op.kind)
        scope = eid.scope
        name = eid.code.replace("_", " ").title()
        if scope is not None:
            return Entity(eid, f"{name} in {self.name(str(scope))}", _service_parent(eid, scope))
        return Entity(eid, name)

    def parent(self, entity: str) -> str | None:
        """The parent identifier (a country for regions and ASNs), if any."""
        found = self.get(entity)
        return str(found.parent) if found.parent else None

    def regions(self, country: str) -> Iterator[Entity]:
        """The ISO 3166-2 subdivisions of a country."""
        subs = _pycountry().subdivisions.get(country_code=country)
        for sub in sorted(subs or [], key=lambda s: s.code):
            yield Entity(EntityId("region", sub.code), str(sub.name), EntityId("country", country))

    def children(self, entity: str) -> list[Entity]:
        """Regions and operators of a country; nothing for other entity types."""
        eid = parse_entity(entity)
        if eid.type != "country":
            return []
        ases = [self.get(EntityId("asn", str(op.asn))) for op in self.operators_of(eid.code)]
        return [*self.regions(eid.code), *ases]

    def search(self, text: str, limit: int = 20) -> list[Entity]:
        """Countries, regions and operators whose name or code contains ``text``."""
        needle = text.strip().lower()
        hits: list[Entity] = []
        for country in _pycountry().countries:
            eid = EntityId("country", country.alpha_2)
            if needle in country.alpha_2.lower() or needle in _country_name(country).lower():
                hits.append(Entity(eid, _country_name(country)))
        for op in self.operators.values():
            if needle in op.name.lower() or needle in f"as{op.asn}":
                hits.append(self.get(EntityId("asn", str(op.asn))))
        for sub in _pycountry().subdivisions:
            if needle in sub.name.lower() or needle == sub.code.lower():
                hits.append(
                    Entity(EntityId("region", sub.code), str(sub.name), EntityId("country", sub.country_code))
                )
        return hits[:limit]


def _service_parent(service: EntityId, scope: EntityId) -> EntityId:
    """A service seen from a region rolls up to the same service in its country; others to their scope."""
    if scope.type == "region":
        return EntityId("service", service.code, EntityId("country", scope.code[:2]))
    return scope


@functools.cache
def _pycountry() -> ModuleType:
    """The ISO 3166 databases of pycountry, imported on first use (not by code that only maps routes)."""
    return importlib.import_module("pycountry")


def _country_name(country: object) -> str:
    common = getattr(country, "common_name", None)
    return str(common or getattr(country, "name", ""))


@functools.cache
def default_registry() -> EntityRegistry:
    """The registry built from the shipped operator table (built once, on first use)."""
    text = resources.files("netvigil.geo").joinpath("data/operators.csv").read_text("utf-8")
    return EntityRegistry(load_operators(text))
