"""Every name people use for a country or region, for search: English and each language pycountry ships.

pycountry carries the ISO 3166 names translated into 160-odd languages (its gettext catalogues,
from Debian's iso-codes), so "Қазақстан", "Казахстан" and "哈萨克斯坦" all find ``country:KZ`` and
"Алма-Ата" finds ``region:KZ-75``. Names are compared folded (case and accents dropped), so
"almaty" finds "Almaty" and "turkiye" finds "Türkiye". An ASN written any common way ("AS29355",
"as 29355", "29355") names ``asn:29355`` even when the operator table does not know it.
"""

from __future__ import annotations

import functools
import gettext
import importlib
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Final

_ASN: Final = re.compile(r"^(?:as)?\s*([0-9]{1,10})$", re.IGNORECASE)


def fold(text: str) -> str:
    """``text`` for comparing: case-folded, accents dropped, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


def asn_named(text: str) -> str | None:
    """``asn:N`` when ``text`` is an AS number written as people write it, else None."""
    found = _ASN.match(text.strip())
    return f"asn:{int(found.group(1))}" if found else None


def _english_names() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """English ISO names to entity keys: countries (name, official and common names), then regions."""
    pycountry = importlib.import_module("pycountry")
    countries: dict[str, set[str]] = defaultdict(set)
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                countries[str(name)].add(f"country:{country.alpha_2}")
    regions: dict[str, set[str]] = defaultdict(set)
    for sub in pycountry.subdivisions:
        regions[str(sub.name)].add(f"region:{sub.code}")
    return countries, regions


def _catalogues(domain: str) -> list[dict[str, str]]:
    """Every language's translation table of one pycountry domain (``iso3166-1``, ``iso3166-2``)."""
    pycountry = importlib.import_module("pycountry")
    root = Path(pycountry.LOCALES_DIR)
    tables: list[dict[str, str]] = []
    for mo in sorted(root.glob(f"*/LC_MESSAGES/{domain}.mo")):
        with mo.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)
        tables.append({str(k): str(v) for k, v in catalogue._catalog.items() if k and v})  # type: ignore[attr-defined]
    return tables


@functools.cache
def other_names() -> dict[str, tuple[tuple[str, str], ...]]:
    """Entity key → its names in every shipped language (folded, display), English names excluded."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    countries, regions = _english_names()
    for domain, english in (("iso3166-1", countries), ("iso3166-2", regions)):
        for table in _catalogues(domain):
            for msgid, translated in table.items():
                for key in english.get(msgid, ()):
                    if translated != msgid:
                        found[key].setdefault(fold(translated), translated)
    return {key: tuple(names.items()) for key, names in found.items()}


def keys_named(text: str, limit: int) -> list[tuple[str, str]]:
    """(entity key, the name that matched) for entities one of whose other names contains ``text``.

    Exact names come first, then names starting with ``text``, then names containing it.
    """
    needle = fold(text)
    if not needle:
        return []
    ranked: list[tuple[int, str, str]] = []
    for key, names in other_names().items():
        best = min(
            ((_rank(folded, needle), shown) for folded, shown in names if needle in folded),
            default=None,
        )
        if best is not None:
            ranked.append((best[0], key, best[1]))
    ranked.sort()
    return [(key, shown) for _, key, shown in ranked[:limit]]


def _rank(folded: str, needle: str) -> int:
    if folded == needle:
        return 0
    return 1 if folded.startswith(needle) else 2
