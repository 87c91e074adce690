"""Offline IP → country registry data: geoip2fast's tables as sorted arrays, cached on disk.

geoip2fast (GeoLite2-derived, CC BY-SA 4.0) ships its data as a compressed pickle of Python
integers: loading it costs a tenth of a second and tens of MB on every start, and the tables live
in module globals shared by all its instances. netvigil reads that data once, keeps it as numpy
arrays (a few MB) in the user's cache directory, keyed by the data file's size and time, and
answers as geoip2fast's own ``lookup`` does (``tests/sources/test_bgp_visibility.py`` compares the
two on random and boundary addresses). The IPv6 data file is used: it holds the IPv4 networks too.
"""

from __future__ import annotations

import bisect
import importlib.util
import os
import socket
import tempfile
import zipfile
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

DATA_FILE: Final = "geoip2fast-ipv6.dat.gz"
_FIRST_SPECIAL: Final = 16  # geoip2fast's first 16 names are private / reserved / not found
_IPV4_END: Final = 1 << 32  # geoip2fast sizes a network with the IPv4 table up to here
_LOW64: Final = (1 << 64) - 1
ENV_CACHE: Final = "NETVIGIL_CACHE_DIR"


def cache_dir() -> Path:
    """Where derived data is kept: ``$NETVIGIL_CACHE_DIR``, else ``$XDG_CACHE_HOME/netvigil``."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "netvigil"


class CountryTable:
    """Networks sorted by first address (split in high and low 64 bits), prefix length, country."""

    def __init__(
        self,
        high: npt.NDArray[np.uint64],
        low: npt.NDArray[np.uint64],
        netlen: npt.NDArray[np.uint8],
        country_index: npt.NDArray[np.uint16],
        codes: list[str],
    ) -> None:
        self.high, self.low, self.netlen, self.country_index = high, low, netlen, country_index
        self.codes = codes
        self._low: list[int] | None = None

    @classmethod
    def load(cls, directory: Path | None = None) -> CountryTable:
        """The table from the cache, made from geoip2fast's data file first if need be."""
        source = _data_file()
        stat = source.stat()
        path = (directory or cache_dir()) / f"geoip2fast-country-{stat.st_size}-{int(stat.st_mtime)}.npz"
        cached = cls._read(path)
        if cached is not None:
            return cached
        table = cls.from_geoip2fast()
        table.save(path)
        return table

    @classmethod
    def _read(cls, path: Path) -> CountryTable | None:
        """The cached table, or None when there is none or it cannot be read (it is then made again)."""
        try:
            with np.load(path) as data:
                return cls(data["high"], data["low"], data["netlen"], data["country"], list(data["codes"]))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None

    @classmethod
    def from_geoip2fast(cls) -> CountryTable:
        """Read geoip2fast's tables (through the library, so its format stays its business)."""
        from geoip2fast import GeoIP2Fast  # noqa: PLC0415 - only when the cache is cold
        from geoip2fast import geoip2fast as tables  # noqa: PLC0415

        GeoIP2Fast(geoip2fast_data_file=DATA_FILE, verbose=False)
        first = [ip for chunk in tables.mainListFirstIP for ip in chunk]
        return cls(
            np.array([ip >> 64 for ip in first], dtype=np.uint64),
            np.array([ip & _LOW64 for ip in first], dtype=np.uint64),
            np.array([n for chunk in tables.mainListNetlength for n in chunk], dtype=np.uint8),
            np.array([c for chunk in tables.mainListIDCountryCodes for c in chunk], dtype=np.uint16),
            [name.split(":", 1)[0] for name in tables.mainListNamesCountry],
        )

    def save(self, path: Path) -> None:
        """Write the table atomically; a cache that cannot be written is not an error."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as out:
                np.savez(
                    out,
                    high=self.high,
                    low=self.low,
                    netlen=self.netlen,
                    country=self.country_index,
                    codes=np.array(self.codes),
                )
            os.replace(out.name, path)
        except OSError:
            return

    def country(self, address: str) -> str | None:
        """ISO 3166-1 alpha-2 code of the network holding ``address`` (IPv4 or IPv6 text), if any."""
        if ":" in address:
            ip = int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
            i = self._index(ip)
        else:
            ip = int.from_bytes(socket.inet_aton(address), "big")
            i = bisect.bisect_right(self._low_firsts(), ip) - 1
        if i < 0:
            return None
        first = (int(self.high[i]) << 64) | int(self.low[i])
        size = 1 << ((32 if ip <= _IPV4_END else 128) - int(self.netlen[i]))
        index = int(self.country_index[i])
        if ip >= first + size or index < _FIRST_SPECIAL:
            return None
        code = self.codes[index]
        return code if len(code) == 2 and code.isalpha() else None

    def _low_firsts(self) -> list[int]:
        """First addresses below 2**64 (every IPv4 network) as a list: bisect on it takes 1 µs."""
        if self._low is None:
            self._low = self.low[: int(np.searchsorted(self.high, np.uint64(0), side="right"))].tolist()
        return self._low

    def _index(self, ip: int) -> int:
        """The last network whose first address is at or below ``ip`` (-1 when none is)."""
        high, low = np.uint64(ip >> 64), np.uint64(ip & _LOW64)
        start = int(np.searchsorted(self.high, high, side="left"))
        stop = int(np.searchsorted(self.high, high, side="right"))
        inside = int(np.searchsorted(self.low[start:stop], low, side="right"))
        return start + inside - 1


def _data_file() -> Path:
    """geoip2fast's IPv6 data file, found without importing the library."""
    spec = importlib.util.find_spec("geoip2fast")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("geoip2fast is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / DATA_FILE
