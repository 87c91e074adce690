"""The Kazakhstan January 2022 replay: a synthetic timeline built from the public record.

Times are UTC (Almaty is UTC+6) and follow KAZAKHSTAN-2022.md (Cloudflare Radar, Kentik, RIPE
Atlas, NetBlocks, RFE/RL, Access Now STOP). It is SYNTHETIC: shaped like the incident, not a
recording of it. Operators are the real ones (public registry facts); their shares are rough.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from netvigil.sources.scenarios.generate import Style
from netvigil.sources.scenarios.timeline import Impairment, ScenarioTimeline

STEP: Final = 300
ALMATY: Final = "KZ-75"
ASTANA: Final = "KZ-71"
MANGYSTAU: Final = "KZ-47"
REGIONS: Final = ((ALMATY, 0.22), (ASTANA, 0.14), (MANGYSTAU, 0.04))
OPERATORS: Final = (
    (9198, "fixed", 0.25),
    (29355, "mobile", 0.30),
    (21299, "mixed", 0.25),
    (48503, "mobile", 0.20),
)
MESSENGERS: Final = ("telegram", "signal")
SIZES: Final[dict[str, tuple[int, int, float]]] = {
    "country:KZ": (6200, 8700, 1000.0),
    f"region:{ALMATY}": (1360, 0, 220.0),
    f"region:{ASTANA}": (870, 0, 140.0),
    f"region:{MANGYSTAU}": (250, 0, 40.0),
    "asn:9198": (3100, 4300, 250.0),
    "asn:29355": (900, 1300, 300.0),
    "asn:21299": (1300, 1800, 250.0),
    "asn:48503": (650, 900, 200.0),
}
STYLE: Final = Style(
    utc_offset_hours=6,
    amplitude=0.38,
    weekend=(5, 6),
    weekend_factor=0.92,
    growth_per_year=0.1,
    noise=0.03,
    holidays=(
        (
            int(datetime(2021, 12, 31, 18, tzinfo=UTC).timestamp()),
            int(datetime(2022, 1, 2, 18, tzinfo=UTC).timestamp()),
            0.85,
        ),
    ),
)


def utc(day: int, hour: int, minute: int = 0, month: int = 1, year: int = 2022) -> int:
    """Unix seconds of a UTC moment in the incident's calendar."""
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())


START: Final = utc(26, 0, month=12, year=2021)
END: Final = utc(12, 0)
BLACKOUT_START: Final = utc(5, 10, 35)
ALMATY_BACK: Final = utc(10, 1, 40)
RESTORED: Final = utc(11, 2, 15)


def _national(start: int, end: int, depth: float) -> Impairment:
    return Impairment("country:KZ", start, end, depth, routing=0.75)


def _curfew_days() -> list[Impairment]:
    """Jan 6-10: about 5 % nationally, Almaty and Astana back for a few hours each day."""
    cuts: list[Impairment] = []
    cities = f"{ALMATY},{ASTANA}"
    cursor = utc(6, 14, 30)
    for day in (7, 8, 9):
        back, down = utc(day, 4), utc(day, 8)
        cuts.append(_national(cursor, back, 0.05))
        cuts.append(Impairment(f"except:{cities}", back, down, 0.05, routing=0.75))
        cuts.append(Impairment(f"region:{ALMATY}", back, down, 0.45, routing=0.75))
        cuts.append(Impairment(f"region:{ASTANA}", back, down, 0.45, routing=0.75))
        cursor = down
    cuts.append(_national(cursor, ALMATY_BACK, 0.05))
    return cuts


def impairments() -> list[Impairment]:
    """The incident as impairments (see the module docstring for sources)."""
    return [
        Impairment("country:KZ", utc(2, 12), BLACKOUT_START, 0.15, services=MESSENGERS),
        Impairment(f"region:{ALMATY}", utc(2, 12), BLACKOUT_START, 0.5, services=("whatsapp",)),
        Impairment("asn:29355", utc(4, 14, 30), utc(4, 16), 0.7),
        Impairment("asn:48503", utc(4, 14, 30), utc(4, 16), 0.7),
        Impairment("asn:29355", utc(4, 16), BLACKOUT_START, 0.2),
        Impairment("asn:48503", utc(4, 16), BLACKOUT_START, 0.2),
        Impairment("asn:21299", utc(4, 16), BLACKOUT_START, 0.75),
        _national(BLACKOUT_START, utc(5, 19), 0.03),
        _national(utc(5, 19), utc(5, 20, 30), 0.3),
        _national(utc(5, 20, 30), utc(6, 12), 0.03),
        _national(utc(6, 12), utc(6, 14, 30), 0.35),
        *_curfew_days(),
        Impairment(f"except:{ALMATY}", ALMATY_BACK, utc(10, 2), 0.05, routing=0.75),
        Impairment(f"except:{ALMATY}", utc(10, 2), utc(10, 3, 30), 0.6),
        Impairment(f"except:{ALMATY}", utc(10, 3, 30), RESTORED, 0.06, routing=0.8),
    ]


def timeline() -> ScenarioTimeline:
    """The Kazakhstan 2022 ground truth, 26 Dec 2021 to 12 Jan 2022, 5-minute bins."""
    return ScenarioTimeline.build("KZ", REGIONS, OPERATORS, START, END, STEP, impairments())
