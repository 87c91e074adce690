"""What a disruption costs: a transparent estimate with a range, in the style of NetBlocks COST.

    cost = GDP per day x internet-dependent share x days x affected-region share
           x affected-network share x service weight x depth

- GDP per day: World Bank GDP, current US$, of the event's year (else the latest before it) / 365.
- internet-dependent share: internet users (% of population, ITU via OWID) x digital dependence,
  the share of a connected person's economic output that stops without the internet
  (``DEPENDENCE``: central 10 %, range 5-20 %; see docs/design/cost.md for why).
- days: the event's duration (to ``now`` while ongoing).
- affected-region share: 1 for national events, 1 / number of regions otherwise (a crude
  even split; the range runs from half to twice that).
- affected-network share: 1 unless one network kind or one operator is cut; then the market share
  of the affected operators (operators.csv), or the kind's share.
- service weight: 1 for connectivity cuts; for a blocked service the weight in ``SERVICE_WEIGHTS``.
- depth: the time-weighted loss over the phases (1 - level / 100), so partial restorations count.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Final

from netvigil.geo.entities import default_registry
from netvigil.model.entities import EntityId, parse_entity
from netvigil.model.errors import ConfigError
from netvigil.model.events import Event

DEPENDENCE: Final = (0.05, 0.10, 0.20)
SERVICE_WEIGHTS: Final[dict[str, float]] = {
    "web": 0.5,
    "whatsapp": 0.1,
    "facebook": 0.08,
    "instagram": 0.05,
    "telegram": 0.05,
    "youtube": 0.03,
    "twitter": 0.03,
    "signal": 0.01,
}
DEFAULT_SERVICE_WEIGHT: Final = 0.02
THROTTLING_FACTOR: Final = 0.5
KIND_SHARES: Final[dict[str, float]] = {"mobile": 0.6, "fixed": 0.4}
GDP_SOURCE: Final = "World Bank, GDP (current US$), NY.GDP.MKTP.CD — ODC-PDDL-1.0"
USERS_SOURCE: Final = (
    "ITU via Our World in Data, individuals using the Internet (% of population) — CC BY 4.0"
)
TOP10VPN_KZ_2022: Final = 410.7e6
TOP10VPN_SOURCE: Final = "Top10VPN, The Cost of Internet Shutdowns in 2022 (Kazakhstan: US$ 410.7 M)"


@dataclass(frozen=True, slots=True)
class Economy:
    """One country-year of the shipped economy table."""

    country: str
    year: int
    gdp_usd: float
    internet_users_pct: float | None


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """A cost estimate with its range and every factor, so a reader can redo the sum."""

    event_id: str
    country: str
    currency: str
    low: float
    central: float
    high: float
    gdp_year: int
    gdp_per_day: float
    internet_users: float
    dependence: tuple[float, float, float]
    days: float
    region_share: tuple[float, float, float]
    network_share: float
    service_weight: float
    depth: float

    def to_json(self) -> dict[str, object]:
        """Plain JSON for ``netvigil cost --json``."""
        return {
            "event_id": self.event_id,
            "country": self.country,
            "currency": self.currency,
            "low": round(self.low),
            "central": round(self.central),
            "high": round(self.high),
            "factors": {
                "gdp_year": self.gdp_year,
                "gdp_per_day": round(self.gdp_per_day),
                "internet_users": round(self.internet_users, 4),
                "dependence": list(self.dependence),
                "days": round(self.days, 3),
                "region_share": [round(s, 4) for s in self.region_share],
                "network_share": round(self.network_share, 4),
                "service_weight": self.service_weight,
                "depth": round(self.depth, 4),
            },
            "sources": [GDP_SOURCE, USERS_SOURCE],
        }


@functools.cache
def economy_table() -> dict[tuple[str, int], Economy]:
    """The shipped table (report/data/economy.csv), keyed by (ISO alpha-2, year)."""
    text = resources.files("netvigil.report").joinpath("data/economy.csv").read_text("utf-8")
    table: dict[tuple[str, int], Economy] = {}
    for row in csv.DictReader(text.splitlines()):
        users = row["internet_users_pct"]
        key = (row["iso2"], int(row["year"]))
        table[key] = Economy(row["iso2"], key[1], float(row["gdp_usd"]), float(users) if users else None)
    return table


def economy_for(country: str, year: int) -> Economy:
    """The country's figures for ``year``, else the latest earlier year (then the earliest later one)."""
    rows = sorted((e for (cc, _), e in economy_table().items() if cc == country), key=lambda e: e.year)
    if not rows:
        raise ConfigError(f"no GDP figure for country {country!r} in the shipped economy table")
    earlier = [e for e in rows if e.year <= year]
    return earlier[-1] if earlier else rows[0]


def network_target(entity: str) -> EntityId:
    """The network an entity is about: a scoped service's country or ASN, else the entity itself."""
    eid = parse_entity(entity)
    return eid.scope if eid.type == "service" and eid.scope is not None else eid


def depth(event: Event, now: int) -> float:
    """Time-weighted share of connectivity lost (1 - level/100) across phases; the level if none.

    An event about some networks of a country (``national_level`` set) counts its own level: its
    phases keep the national course, in which the networks' share is already counted once.
    """
    if event.national_level is not None:
        return max(0.0, 1.0 - event.level / 100.0)
    spans = [(p.start, p.end or event.end or now, p.level) for p in event.phases]
    total = sum(max(0, end - start) for start, end, _ in spans)
    if not total:
        return max(0.0, 1.0 - event.level / 100.0)
    lost = sum(max(0, end - start) * max(0.0, 1.0 - level / 100.0) for start, end, level in spans)
    return lost / total


def network_share(event: Event) -> float:
    """Market share of what was cut: the operator, the affected operators, or the kind; 1 if all."""
    registry = default_registry()
    target = network_target(event.entity)
    if target.type == "asn":
        op = registry.operator(int(target.code))
        return op.share if op and op.share else 0.1
    if not event.network_kinds:
        return 1.0
    country = target.country_code or ""
    kinds = set(event.network_kinds)
    shares = [op.share for op in registry.operators_of(country) if op.kind in kinds and op.share]
    return sum(shares) if shares else sum(KIND_SHARES.get(k, 0.2) for k in kinds)


def region_share(event: Event) -> tuple[float, float, float]:
    """(low, central, high) share of the country affected: all of it unless one region is cut."""
    target = network_target(event.entity)
    if target.type != "region":
        return (1.0, 1.0, 1.0)
    count = max(1, sum(1 for _ in default_registry().regions(target.code[:2])))
    share = 1.0 / count
    return (share / 2, share, min(1.0, share * 2))


def service_weight(event: Event) -> float:
    """1 for connectivity cuts; the blocked service's weight (halved for throttling) otherwise."""
    if event.kind not in ("service_blocking", "throttling"):
        return 1.0
    names = event.services or (parse_entity(event.entity).code,)
    weight = min(1.0, sum(SERVICE_WEIGHTS.get(n, DEFAULT_SERVICE_WEIGHT) for n in names))
    return weight * (THROTTLING_FACTOR if event.kind == "throttling" else 1.0)


def country_of(entity: str) -> str | None:
    """The ISO country of an entity: from its text, or for an ASN from the operator table."""
    target = network_target(entity)
    if target.type == "asn":
        op = default_registry().operator(int(target.code))
        return op.country if op else None
    return target.country_code


def estimate(event: Event, now: int) -> CostEstimate:
    """The cost of one event (to ``now`` while it is ongoing)."""
    country = country_of(event.entity)
    if country is None:
        raise ConfigError(f"{event.entity} is not tied to a country; cost needs one")
    year = int(1970 + event.start // (365.2425 * 86_400))
    economy = economy_for(country, year)
    users = (economy.internet_users_pct or 50.0) / 100.0
    days = max(0, (event.end or now) - event.start) / 86_400
    regions = region_share(event)
    base = economy.gdp_usd / 365.0 * users * days * network_share(event) * service_weight(event)
    base *= depth(event, now)
    low, central, high = (base * d * r for d, r in zip(DEPENDENCE, regions, strict=True))
    return CostEstimate(
        event.id,
        country,
        "USD",
        low,
        central,
        high,
        economy.year,
        economy.gdp_usd / 365.0,
        users,
        DEPENDENCE,
        days,
        regions,
        network_share(event),
        service_weight(event),
        depth(event, now),
    )


def total(estimates: Sequence[CostEstimate]) -> tuple[float, float, float]:
    """Sum of several estimates' (low, central, high)."""
    return (
        sum(e.low for e in estimates),
        sum(e.central for e in estimates),
        sum(e.high for e in estimates),
    )


def millions(value: float) -> str:
    """``US$ 301.2 M``."""
    return f"US$ {value / 1e6:,.1f} M"
