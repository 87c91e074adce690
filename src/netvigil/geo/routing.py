"""Where a routed prefix belongs: origin AS (from the routes), country, and region.

AS → country comes from the operator table first (``geo/data/operators.csv``), then from offline
registry data shipped by geoip2fast (the country registered for the prefix's first address). A
prefix → region mapping needs a MaxMind-format ``.mmdb`` the user supplies (GeoIP2/GeoLite2 City
layout: ``country.iso_code`` and ``subdivisions[0].iso_code``). :attr:`PrefixMapper.label` names
the mappings in use, so every figure says how it was mapped.
"""

from __future__ import annotations

import functools
import ipaddress
from pathlib import Path
from typing import Any

from netvigil.geo.registry import CountryTable
from netvigil.model.errors import InputError


class PrefixMapper:
    """Maps (prefix, origin AS) to the entities a routed prefix counts for."""

    def __init__(
        self, as_country: dict[int, str], *, registry: bool = True, mmdb: Path | None = None
    ) -> None:
        self.as_country = as_country
        self._registry: CountryTable | None = None
        self._use_registry = registry
        self._mmdb: Any = None
        parts = ["operators"]
        if registry:
            parts.append("geoip2fast")
        if mmdb is not None:
            self._mmdb = _open_mmdb(mmdb)
            parts.append(f"mmdb:{mmdb.name}")
        self.label = "+".join(parts)
        self.entities = functools.lru_cache(maxsize=1 << 20)(self._entities)

    def _entities(self, prefix: str, origin: int | None) -> tuple[str, ...]:
        """``asn:N``, ``country:CC`` and ``region:CC-RR`` for a prefix announced by ``origin``."""
        out: list[str] = []
        if origin is not None:
            out.append(f"asn:{origin}")
        country = self.as_country.get(origin) if origin is not None else None
        if country is None and self._use_registry:
            country = self._registry_country(prefix)
        if country:
            out.append(f"country:{country}")
        region = self._region(prefix)
        if region:
            out.append(f"region:{region}")
        return tuple(out)

    def _registry_country(self, prefix: str) -> str | None:
        """Country the offline registry data gives for the prefix's first address.

        One table for both families (geoip2fast's IPv6 file holds the IPv4 networks too), loaded
        on first use from the cache :mod:`netvigil.geo.registry` keeps, not at import.
        """
        if self._registry is None:
            self._registry = CountryTable.load()
        return self._registry.country(prefix.split("/", 1)[0])

    def _region(self, prefix: str) -> str | None:
        """ISO 3166-2 code of the prefix's first address in the user's .mmdb, if it has one."""
        if self._mmdb is None:
            return None
        record = self._mmdb.get(prefix.split("/", 1)[0])
        if not isinstance(record, dict):
            return None
        country = (record.get("country") or {}).get("iso_code")
        subdivisions = record.get("subdivisions") or []
        if not country or not subdivisions or not subdivisions[0].get("iso_code"):
            return None
        return f"{country}-{subdivisions[0]['iso_code']}"


def _open_mmdb(path: Path) -> Any:
    """Open a MaxMind-format database, with a clear error when it is not one."""
    import maxminddb  # noqa: PLC0415 - only with a user's .mmdb; route mapping starts faster

    try:
        return maxminddb.open_database(str(path))
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        raise InputError(f"not a MaxMind .mmdb database: {exc}", path=str(path)) from exc


def slash24_equivalents(prefix: str) -> tuple[bool, float]:
    """(is IPv6, size) of a prefix: /24 equivalents for IPv4, /48 equivalents for IPv6."""
    net = ipaddress.ip_network(prefix, strict=False)
    if net.version == 6:
        return True, 2.0 ** (48 - net.prefixlen)
    return False, 2.0 ** (24 - net.prefixlen)
