"""The Kazakhstan January 2022 replay: a synthetic timeline built from the public record.

Times are UTC (Almaty is UTC+6) and follow KAZAKHSTAN-2022.md (Cloudflare Radar, Kentik, RIPE
Atlas, NetBlocks, RFE/RL, Access Now STOP). It is SYNTHETIC: shaped like the incident, not a
recording of it. Operators are the real ones (public registry facts); their shares are rough.
This module is the one place the replay's operators, regions and timeline are defined; each
signal's replay (traffic, BGP, probing, OONI) reads them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from netvigil.sim.scenarios.generate import Style
from netvigil.sim.scenarios.timeline import Impairment, ScenarioTimeline

Size = tuple[int, int, float]
"""What an entity's signals measure in the replay: (probe /24 blocks, routed /24s, traffic volume)."""


@dataclass(frozen=True, slots=True)
class Operator:
    """A real Kazakh operator (registry facts), its rough share of users and its size in the replay."""

    asn: int
    name: str
    kind: str
    share: float
    size: Size

    @property
    def entity(self) -> str:
        """The operator as an entity (contract 3.1): ``asn:N``."""
        return f"asn:{self.asn}"


@dataclass(frozen=True, slots=True)
class Region:
    """A Kazakh region (ISO 3166-2) the timeline models, its share of users and its size in the replay."""

    code: str
    name: str
    share: float
    size: Size

    @property
    def entity(self) -> str:
        """The region as an entity (contract 3.1): ``region:KZ-N``."""
        return f"region:{self.code}"


COUNTRY: Final = "KZ"
STEP: Final = 300
KAZAKHTELECOM: Final = Operator(9198, "Kazakhtelecom", "fixed", 0.25, (3100, 4300, 250.0))
KCELL: Final = Operator(29355, "Kcell", "mobile", 0.30, (900, 1300, 300.0))
KAR_TEL: Final = Operator(21299, "Kar-Tel", "mixed", 0.25, (1300, 1800, 250.0))
TELE2: Final = Operator(48503, "Tele2", "mobile", 0.20, (650, 900, 200.0))
OPERATORS: Final = (KAZAKHTELECOM, KCELL, KAR_TEL, TELE2)
ASNS: Final = tuple(o.asn for o in OPERATORS)
ALMATY_REGION: Final = Region("KZ-75", "Almaty", 0.22, (1360, 0, 220.0))
ASTANA_REGION: Final = Region("KZ-71", "Astana", 0.14, (870, 0, 140.0))
MANGYSTAU_REGION: Final = Region("KZ-47", "Mangystau", 0.04, (250, 0, 40.0))
REGIONS: Final = (ALMATY_REGION, ASTANA_REGION, MANGYSTAU_REGION)
ALMATY: Final = ALMATY_REGION.code
ASTANA: Final = ASTANA_REGION.code
MANGYSTAU: Final = MANGYSTAU_REGION.code
OTHER_REGIONS: Final = (
    ("KZ-35", 0.12),
    ("KZ-79", 0.10),
    ("KZ-55", 0.08),
    ("KZ-23", 0.08),
    ("KZ-15", 0.08),
    ("KZ-63", 0.14),
)
"""Regions the timeline does not model (they follow the country); simulated /24 blocks live there too."""
BLOCK_REGIONS: Final = (*((r.code, r.share) for r in REGIONS), *OTHER_REGIONS)
"""Where the simulated /24 blocks are, with the weight of each region."""
MESSENGERS: Final = ("telegram", "signal")
"""Blocked country-wide (the record: "Telegram and Signal blocked", 2-4 January)."""
CITY_SERVICES: Final = ("whatsapp", "telegram")
"""Degraded in Almaty and the other large cities before the mobile cut (RFE/RL, 4 January)."""
MOBILE_THROTTLED: Final = 0.04
"""Kcell and Tele2 from 16:00 on 4 January: down to a few % of ordinary, but not to zero (throttling).

The record says they "drop but not to zero"; observers put them at 3-4 % until the blackout.
"""
CITIES: Final = (ALMATY_REGION, ASTANA_REGION)
"""The large cities the replay models; Mangystau (KZ-47), where the protests began, is not one."""


@dataclass(frozen=True, slots=True)
class Vantage:
    """One of the replay's own probes (netvigil reach run): where it stands and on which network."""

    name: str
    region: str
    asn: int
    lat: float
    lon: float


VANTAGE_POINTS: Final = (
    Vantage("almaty-kcell", ALMATY_REGION.code, KCELL.asn, 43.238, 76.889),
    Vantage("almaty-kazakhtelecom", ALMATY_REGION.code, KAZAKHTELECOM.asn, 43.256, 76.928),
    Vantage("almaty-tele2", ALMATY_REGION.code, TELE2.asn, 43.271, 76.945),
    Vantage("astana-beeline", ASTANA_REGION.code, KAR_TEL.asn, 51.128, 71.430),
    Vantage("aktau-kazakhtelecom", MANGYSTAU_REGION.code, KAZAKHTELECOM.asn, 43.651, 51.158),
)
"""SYNTHETIC vantage points (names and coordinates made up, in real cities) whose measurements
carry their region: OONI's own measurements carry only country and network. Spread over the
operators (one probe of a city per operator), so no network's series is mostly one city's probes."""
SIZES: Final[dict[str, Size]] = {
    f"country:{COUNTRY}": (6200, 8700, 1000.0),
    **{r.entity: r.size for r in REGIONS},
    **{o.entity: o.size for o in OPERATORS},
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
CITY_SERVICES_START: Final = utc(4, 4)
"""WhatsApp and Telegram degraded in Almaty, then the other large cities: the record says 4 January,
before the mobile traffic fell (about 14:30 UTC); the hours (10:00 in Almaty, the other cities
four hours later) are the replay's choice, Almaty first because that is where it was reported."""
OTHER_CITIES_DELAY: Final = 4 * 3600
MESSENGERS_BLOCKED: Final = utc(4, 14)
"""Telegram and Signal blocked country-wide. The record gives only the span 2-4 January for both
"Telegram and Signal blocked" and "WhatsApp and Telegram degraded in Almaty"; a country-wide block
of Telegram before the cities' reports would make "Telegram degraded in Almaty" say nothing, and the
first report was not national (RFE/RL). So the replay blocks them after the cities, in the hour
before the mobile traffic fell (about 14:30 UTC): a replay choice, not a recorded time."""
ALMATY_BACK: Final = utc(10, 1, 40)
RESTORED: Final = utc(11, 2, 15)
UPDATE_BURST: Final = (utc(5, 21, 20), utc(5, 21, 35))
"""When the replayed BGP peers send a burst of path changes without withdrawing anything.

The public record puts the burst at about 10:45 UTC; the replay's 21:20 is kept as it was, so the
demo's output stays the same until it is corrected on purpose.
"""


def _national(start: int, end: int, depth: float) -> Impairment:
    return Impairment(f"country:{COUNTRY}", start, end, depth, routing=0.75)


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
        Impairment(f"country:{COUNTRY}", MESSENGERS_BLOCKED, BLACKOUT_START, 0.15, services=MESSENGERS),
        *(
            Impairment(
                city.entity,
                CITY_SERVICES_START + (0 if city is ALMATY_REGION else OTHER_CITIES_DELAY),
                BLACKOUT_START,
                0.3,
                services=CITY_SERVICES,
            )
            for city in CITIES
        ),
        Impairment(KCELL.entity, utc(4, 14, 30), utc(4, 16), 0.7),
        Impairment(TELE2.entity, utc(4, 14, 30), utc(4, 16), 0.7),
        Impairment(KCELL.entity, utc(4, 16), BLACKOUT_START, MOBILE_THROTTLED),
        Impairment(TELE2.entity, utc(4, 16), BLACKOUT_START, MOBILE_THROTTLED),
        Impairment(KAR_TEL.entity, utc(4, 16), BLACKOUT_START, 0.75),
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
    regions = [(r.code, r.share) for r in REGIONS]
    operators = [(o.asn, o.kind, o.share) for o in OPERATORS]
    return ScenarioTimeline.build(COUNTRY, regions, operators, START, END, STEP, impairments())
