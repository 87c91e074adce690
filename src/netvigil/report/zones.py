"""Local time for reports: one IANA zone per country (the capital's), from a small table.

A country with several zones gets its capital's; reports always show UTC next to it. zoneinfo
knows the history, so Kazakhstan in January 2022 is UTC+6 (Asia/Almaty moved to UTC+5 in 2024).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

COUNTRY_ZONES: Final[dict[str, str]] = {
    "KZ": "Asia/Almaty",
    "IR": "Asia/Tehran",
    "IN": "Asia/Kolkata",
    "PK": "Asia/Karachi",
    "MM": "Asia/Yangon",
    "ET": "Africa/Addis_Ababa",
    "SD": "Africa/Khartoum",
    "SY": "Asia/Damascus",
    "IQ": "Asia/Baghdad",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "BY": "Europe/Minsk",
    "CU": "America/Havana",
    "VE": "America/Caracas",
    "BD": "Asia/Dhaka",
    "SN": "Africa/Dakar",
    "GA": "Africa/Libreville",
    "TZ": "Africa/Dar_es_Salaam",
    "DZ": "Africa/Algiers",
    "EG": "Africa/Cairo",
    "TR": "Europe/Istanbul",
    "AF": "Asia/Kabul",
    "LY": "Africa/Tripoli",
    "UZ": "Asia/Tashkent",
    "TM": "Asia/Ashgabat",
    "TJ": "Asia/Dushanbe",
    "KG": "Asia/Bishkek",
    "CN": "Asia/Shanghai",
    "US": "America/New_York",
    "GB": "Europe/London",
    "DE": "Europe/Berlin",
    "FR": "Europe/Paris",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "BR": "America/Sao_Paulo",
}


def zone_for(country: str | None) -> ZoneInfo:
    """The zone of a country (UTC when unknown or when there is no country)."""
    return ZoneInfo(COUNTRY_ZONES.get(country or "", "UTC"))


def utc_text(ts: int | None) -> str:
    """``2022-01-05 10:40 UTC``, or ``ongoing``."""
    if ts is None:
        return "ongoing"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def local_text(ts: int | None, zone: ZoneInfo) -> str:
    """``2022-01-05 16:40 (UTC+06:00)`` in the given zone, or ``ongoing``."""
    if ts is None:
        return "ongoing"
    moment = datetime.fromtimestamp(ts, zone)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"
