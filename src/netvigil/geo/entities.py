"""The entity registry: countries and ISO 3166-2 regions from pycountry, ASNs from the operator table.

Names, parents and children of the identifiers of contract 3.1 (which ``model.entities`` parses).

The operator table (``geo/data/operators.csv``, package data) gives each ASN's name, country,
kind (mobile, fixed, mixed, transit, datacenter, content), its rough share of the country's
traffic where known, and where those facts came from.

Local entities (``local:US-LA/calcasieu``: a county, a city, a data centre below ISO 3166-2) are
the user's. Undeclared, one is named after its identifier and sits under the country or subdivision
the identifier names. Declared in the user's entities file (``entity,name,parent[,kind]`` CSV;
``$NETVIGIL_ENTITIES``, else ``$XDG_CONFIG_HOME/netvigil/entities.csv``; ``netvigil entities add``
writes it), it gets its name and may sit under another local entity of the same place (a city
under its county, a data centre under its city), so its events roll up local → region → country.
"""

from __future__ import annotations

import csv
import functools
import importlib
import io
import os
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Final

from netvigil.geo.names import asn_named, keys_named
from netvigil.model.entities import (
    NETWORK_KINDS,
    Entity,
    EntityId,
    NetworkKind,
    Operator,
    parse_entity,
)
from netvigil.model.errors import InputError, UnknownEntityError, reading

ENV_ENTITIES: Final = "NETVIGIL_ENTITIES"
DECLARATION_COLUMNS: Final = ("entity", "name", "parent", "kind")


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


def entities_file() -> Path:
    """The user's local-entity declarations: ``$NETVIGIL_ENTITIES``, else under ``$XDG_CONFIG_HOME``."""
    if os.environ.get(ENV_ENTITIES):
        return Path(os.environ[ENV_ENTITIES])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "netvigil" / "entities.csv"


def local_entity(key: str, name: str, parent: str | None, kind: str | None = None) -> Entity:
    """A checked local-entity declaration; :class:`InputError` saying what is wrong otherwise.

    The parent defaults to the country or subdivision the identifier names; a given parent must be
    that place, or another local entity in the same country.
    """
    eid = parse_entity(key)
    if eid.type != "local" or eid.place is None:
        raise InputError(f"{key}: only local entities (local:CC[-XXX]/name) are declared by the user")
    _require_place(eid.place)
    parent_id = parse_entity(parent) if parent else eid.place
    if parent_id.type != "local" and parent_id != eid.place:
        raise InputError(f"{key}: its parent is {eid.place} (its identifier says so) or a local entity")
    if parent_id == eid or not _inside(parent_id, eid.place):
        raise InputError(f"{key}: parent {parent_id} must be another local entity in {eid.place}")
    if kind and kind not in NETWORK_KINDS:
        raise InputError(f"{key}: kind {kind!r} is not one of {', '.join(NETWORK_KINDS)}")
    nk: NetworkKind | None = kind if kind in NETWORK_KINDS else None
    return Entity(eid, name.strip() or _slug_name(eid), parent_id, nk)


def _inside(parent: EntityId, place: EntityId) -> bool:
    """Whether a parent may hold an entity of ``place``: the place itself, or a local entity in it."""
    if parent.type != "local":
        return parent == place
    if place.type == "country":
        return parent.country_code == place.code
    return parent.place == place


def _require_place(place: EntityId) -> None:
    """The country or subdivision a local identifier names must exist in ISO 3166."""
    found = (
        _pycountry().countries.get(alpha_2=place.code)
        if place.type == "country"
        else _pycountry().subdivisions.get(code=place.code)
    )
    if found is None:
        raise UnknownEntityError(
            f"unknown place {place}: a local entity lies in an ISO 3166 country or subdivision"
        )


def _slug_name(eid: EntityId) -> str:
    """A display name from a local identifier's own name (``saint-landry`` → ``Saint Landry``)."""
    return eid.code.partition("/")[2].replace("-", " ").replace("_", " ").title()


def load_declarations(text: str, path: str = "entities.csv") -> dict[str, Entity]:
    """Parse local-entity declarations (CSV ``entity,name,parent[,kind]``), checking each row and parents."""
    declared: dict[str, Entity] = {}
    reader = csv.DictReader(io.StringIO(text))
    header = [f.strip().lstrip("\ufeff") for f in reader.fieldnames or []]
    if header[:3] != list(DECLARATION_COLUMNS[:3]):
        raise InputError("expected the header entity,name,parent[,kind]", path=path, line=1)
    for line, row in enumerate(reader, start=2):
        try:
            parent = row["parent"] or None
            entity = local_entity(row["entity"] or "", row["name"] or "", parent, row.get("kind"))
        except InputError as exc:
            raise InputError(str(exc), path=path, line=line) from exc
        declared[entity.key] = entity
    for line, entity in enumerate(declared.values(), start=2):
        _require_acyclic(entity, declared, path, line)
    return declared


def _require_acyclic(entity: Entity, declared: Mapping[str, Entity], path: str, line: int) -> None:
    """A chain of local parents must end at a region or country, not loop back."""
    seen = {entity.key}
    parent = entity.parent
    while parent is not None and parent.type == "local":
        if str(parent) in seen:
            raise InputError(f"{entity.key}: its parents form a loop through {parent}", path=path, line=line)
        seen.add(str(parent))
        above = declared.get(str(parent))
        parent = above.parent if above is not None else parent.place


def read_declarations(path: Path) -> dict[str, Entity]:
    """The declarations in ``path`` (none when the file does not exist)."""
    if not path.exists():
        return {}
    with reading(path):
        raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path=str(path)) from exc
    return load_declarations(text, str(path))


def write_declaration(path: Path, entity: Entity) -> None:
    """Add (or replace) one declaration in ``path``, keeping the others; the file is rewritten whole."""
    declared = read_declarations(path)
    declared[entity.key] = entity
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DECLARATION_COLUMNS)
    for key, found in sorted(declared.items()):
        writer.writerow([key, found.name, str(found.parent or ""), found.kind or ""])
    with reading(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out.getvalue(), "utf-8")


class EntityRegistry:
    """Names, parents and children of every entity netvigil knows."""

    def __init__(self, operators: dict[int, Operator], local: Mapping[str, Entity] | None = None) -> None:
        self.operators = operators
        self.local = dict(local or {})

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
        if eid.type == "local":
            return self._local(eid)
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

    def _local(self, eid: EntityId) -> Entity | None:
        """A declared local entity, else one named after its identifier under the place it names."""
        declared = self.local.get(str(eid))
        if declared is not None:
            return declared
        if eid.place is None:
            return None
        try:
            _require_place(eid.place)
        except UnknownEntityError:
            return None
        return Entity(eid, _slug_name(eid), eid.place)

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
        """Regions and operators of a country, and the declared local entities directly under any entity."""
        eid = parse_entity(entity)
        local = sorted((e for e in self.local.values() if e.parent == eid), key=lambda e: e.key)
        if eid.type != "country":
            return local
        ases = [self.get(EntityId("asn", str(op.asn))) for op in self.operators_of(eid.code)]
        return [*self.regions(eid.code), *ases, *local]

    def search(self, text: str, limit: int = 20) -> list[Entity]:
        """Countries, regions and operators whose name or code contains ``text``.

        English and ISO names and codes first, then the names in other languages and scripts
        (:mod:`netvigil.geo.names`); an AS number ("AS29355", "29355") always finds its ASN.
        """
        hits = self._search_english(text)
        asn = asn_named(text)
        if asn is not None:
            hits.insert(0, self.get(asn))
        seen = {e.key for e in hits}
        hits += [self.get(key) for key, _ in keys_named(text, limit) if key not in seen]
        return list({e.key: e for e in hits}.values())[:limit]

    def _search_english(self, text: str) -> list[Entity]:
        needle = text.strip().lower()
        hits: list[Entity] = []
        for country in _pycountry().countries:
            eid = EntityId("country", country.alpha_2)
            if needle in country.alpha_2.lower() or needle in _country_name(country).lower():
                hits.append(Entity(eid, _country_name(country)))
        for op in self.operators.values():
            if needle in op.name.lower() or needle in f"as{op.asn}":
                hits.append(self.get(EntityId("asn", str(op.asn))))
        for entity in self.local.values():
            if needle in entity.name.lower() or needle in entity.key.lower():
                hits.append(entity)
        for sub in _pycountry().subdivisions:
            if needle in sub.name.lower() or needle == sub.code.lower():
                hits.append(
                    Entity(EntityId("region", sub.code), str(sub.name), EntityId("country", sub.country_code))
                )
        return hits


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
def shipped_operators() -> dict[int, Operator]:
    """The shipped operator table (read once, on first use)."""
    text = resources.files("netvigil.geo").joinpath("data/operators.csv").read_text("utf-8")
    return load_operators(text)


def default_registry() -> EntityRegistry:
    """The registry of the shipped operator table and the user's entities file (read when it changes)."""
    path = entities_file()
    try:
        found = path.stat()
        stamp: tuple[int, int] | None = (found.st_mtime_ns, found.st_size)
    except OSError:
        stamp = None
    return _registry(path, stamp)


@functools.lru_cache(maxsize=4)
def _registry(path: Path, stamp: tuple[int, int] | None) -> EntityRegistry:
    """The registry for one version (modification time and size) of the entities file."""
    return EntityRegistry(shipped_operators(), read_declarations(path) if stamp is not None else {})
