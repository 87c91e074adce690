"""Taxonomy, cause suggestions and the cost model, with hand-computed expectations."""

from __future__ import annotations

import csv
import hashlib
from importlib import resources

import pytest

from netvigil.model.events import Event, Phase, parse_iso
from netvigil.report.cost import economy_for, estimate
from netvigil.report.taxonomy import classify, outage_type, suggest_cause, taxonomy_scope

DAY = 86_400
T0 = parse_iso("2022-01-05T10:00:00Z")


def ev(
    entity: str = "country:KZ",
    kind: str = "blackout",
    scope: str = "national",
    start: int = T0,
    hours: float = 24,
    level: float = 2.0,
    kinds: tuple[str, ...] = (),
    services: tuple[str, ...] = (),
    phases: tuple[Phase, ...] = (),
    eid: str = "x",
) -> Event:
    return Event(
        eid,
        entity,
        entity,
        kind,
        scope,
        start,
        start + int(hours * 3600),
        level,  # type: ignore[arg-type]
        ("probe", "bgp"),
        0.9,
        network_kinds=kinds,
        services=services,
        phases=phases,
    )


def test_outage_types() -> None:
    assert outage_type(ev()) == "full"
    assert outage_type(ev(scope="network", kinds=("mobile",))) == "mobile only"
    assert outage_type(ev(scope="network", kinds=("fixed",))) == "fixed only"
    assert outage_type(ev(scope="network", kinds=("mobile", "fixed"))) == "full"
    assert outage_type(ev("service:web@country:IR", "throttling", "service")) == "throttling"
    assert outage_type(ev("service:whatsapp@country:KZ", "service_blocking", "service")) == "service"


def test_scopes() -> None:
    assert taxonomy_scope(ev(), None) == "national"
    assert taxonomy_scope(ev("region:KZ-75", scope="regional"), None) == "regional"
    assert taxonomy_scope(ev("asn:29355", scope="network"), "mobile") == "network"
    assert taxonomy_scope(ev("service:telegram@asn:29355", "service_blocking", "service"), None) == "network"
    assert (
        taxonomy_scope(ev("service:telegram@country:KZ", "service_blocking", "service"), None) == "national"
    )


def test_curfew_suggested_for_the_same_cut_on_three_nights() -> None:
    nights = [ev(start=T0 + n * DAY + 600 * n, hours=6, eid=f"n{n}") for n in range(3)]
    suggestion = suggest_cause(nights[0], nights, [], [])
    assert suggestion is not None and suggestion.cause == "curfew"
    assert suggest_cause(nights[0], nights[:2], [], []) is None
    shifted = [nights[0], ev(start=T0 + DAY + 3 * 3600, hours=6, eid="a"), ev(start=T0 + 2 * DAY, hours=6)]
    assert suggest_cause(nights[0], shifted, [], []) is None


def test_power_and_government_suggestions_need_data_centres() -> None:
    blackout = ev(hours=48)
    assert suggest_cause(blackout, [], ["asn:43754"], ["asn:1"]).cause == "power_outage"  # type: ignore[union-attr]
    assert suggest_cause(blackout, [], ["asn:43754"], []).cause == "government_directed"  # type: ignore[union-attr]
    assert suggest_cause(blackout, [], [], []) is None


def test_analyst_cause_wins_and_suggestion_is_marked() -> None:
    event = ev(hours=48)
    suggestion = suggest_cause(event, [], ["asn:43754"], [])
    assert classify(event, None, None, suggestion).cause_text == (
        "unknown (suggested: government-directed — not confirmed)"
    )
    assert classify(event, None, "power_outage", suggestion).cause_text == "power outage"


def test_economy_table_matches_the_recorded_sources() -> None:
    kz = economy_for("KZ", 2022)
    assert kz.year == 2022 and round(kz.gdp_usd) == 225_496_328_925 and kz.internet_users_pct == 92.30
    assert economy_for("KZ", 2030).year == 2023
    text = resources.files("netvigil.report").joinpath("data/economy.csv").read_bytes()
    rows = list(csv.DictReader(text.decode().splitlines()))
    assert len(rows) > 1500 and hashlib.sha256(text).hexdigest() == (
        "56d10689376948fb7595ce2c5a43004b5901e426b00bc82ff84acb9b92c42d86"
    )


def test_national_cost_by_hand() -> None:
    event = ev(hours=48, level=0.0)
    cost = estimate(event, now=0)
    by_hand = 225_496_328_925 / 365 * 0.923 * 0.10 * 2.0
    assert cost.central == pytest.approx(by_hand, rel=1e-6)
    assert cost.low == pytest.approx(by_hand / 2) and cost.high == pytest.approx(by_hand * 2)


def test_phases_weight_the_depth() -> None:
    half = T0 + 12 * 3600
    phases = (Phase(T0, half, 0.0, "blackout"), Phase(half, T0 + 24 * 3600, 50.0, "partial restoration"))
    assert estimate(ev(phases=phases), 0).depth == pytest.approx(0.75)


def test_a_cut_of_some_networks_counts_their_own_level_not_the_national_course() -> None:
    """The phases of a mobile-only cut keep the national course (44.5 %), where the mobile share
    is already counted; the depth is the mobile networks' own (3.3 %), weighted once by their share."""
    national_course = (Phase(T0, T0 + 24 * 3600, 44.5, "severe disruption"),)
    mobile = ev(scope="network", kinds=("mobile",), level=3.3, phases=national_course)
    assert mobile.national_level == pytest.approx(44.5)
    found = estimate(mobile, 0)
    assert found.depth == pytest.approx(0.967) and found.network_share == pytest.approx(0.5)


def test_shares_shrink_the_cost() -> None:
    national = estimate(ev(), 0).central
    mobile = estimate(ev(scope="network", kinds=("mobile",)), 0)
    assert mobile.network_share == pytest.approx(0.5)  # Kcell 0.30 + Tele2 0.20
    region = estimate(ev("region:KZ-75", scope="regional"), 0)  # pycountry: 20 KZ subdivisions
    assert region.region_share[1] == pytest.approx(1 / 20) and region.central < national / 10
    whatsapp = estimate(
        ev("service:whatsapp@country:KZ", "service_blocking", "service", services=("whatsapp",)), 0
    )
    assert whatsapp.service_weight == pytest.approx(0.1)
    assert whatsapp.central == pytest.approx(national * 0.1)


def test_ongoing_event_is_costed_to_now() -> None:
    open_event = ev()
    open_event = Event(**{**{f: getattr(open_event, f) for f in open_event.__slots__}, "end": None})  # type: ignore[arg-type]
    assert estimate(open_event, T0 + DAY).days == pytest.approx(1.0)
