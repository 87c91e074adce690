"""Where an address block is: its country from the offline GeoLite2-derived table of geoip2fast.

Used by the prober to count answering /24 blocks per country. Loopback and private space have no
country; callers then need an explicit entity (the hitlist's ``entity`` column or ``--entity``).
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from geoip2fast import GeoIP2Fast


@functools.cache
def _database() -> Any:
    """The geoip2fast country database, loaded on first use (about 50 ms)."""
    return GeoIP2Fast(verbose=False)


def country_of_block(block: str) -> str | None:
    """The ISO country code of a block (looked up at its first address), or ``None`` if unknown."""
    network = ipaddress.ip_network(block, strict=False)
    if network.is_private or network.is_loopback or network.is_reserved:
        return None
    code = str(_database().lookup(str(network.network_address + 1)).country_code)
    return code if len(code) == 2 and code.isalpha() else None
