"""Golden headlines: wording follows scope, kind, level band and confidence, never stronger."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from netvigil.model.events import Event, Phase, parse_iso
from netvigil.report.document import place_of
from netvigil.report.exports import read_stop_csv, stop_csv
from netvigil.report.statement import headline

START = parse_iso("2022-01-05T10:40:00Z")
END = parse_iso("2022-01-11T02:15:00Z")


def event(
    entity: str,
    kind: str,
    scope: str,
    level: float,
    confidence: float,
    signals: int = 3,
    kinds: tuple[str, ...] = (),
    end: int | None = END,
    services: tuple[str, ...] = (),
) -> Event:
    return Event(
        id="e1",
        entity=entity,
        entity_name=entity,
        kind=kind,
        scope=scope,  # type: ignore[arg-type]
        start=START,
        end=end,
        level=level,
        signals=("probe", "bgp", "traffic")[:signals],
        confidence=confidence,
        network_kinds=kinds,
        services=services,
    )


WHEN = "(from 2022-01-05 10:40 UTC to 2022-01-11 02:15 UTC)."
GOLDEN = [
    # national, by level band and kind
    (
        event("country:KZ", "blackout", "national", 2.9, 0.97),
        "Metrics show a nation-scale internet blackout in Kazakhstan; national connectivity at 2.9 % of "
        f"ordinary levels {WHEN}",
    ),
    (
        event("country:KZ", "disruption", "national", 2.9, 0.97),
        "Metrics show a nation-scale major disruption to internet connectivity in Kazakhstan; national "
        f"connectivity at 2.9 % of ordinary levels {WHEN}",
    ),
    (
        event("country:IR", "disruption", "national", 41.0, 0.8),
        "Metrics show a nation-scale major disruption to internet connectivity in Iran; "
        f"national connectivity at 41.0 % of ordinary levels {WHEN}",
    ),
    (
        event("country:IR", "disruption", "national", 62.0, 0.6),
        "Metrics indicate a nation-scale partial disruption to internet connectivity in Iran; national "
        f"connectivity at 62.0 % of ordinary levels {WHEN}",
    ),
    (
        event("country:IR", "disruption", "national", 90.0, 0.6),
        "Metrics indicate a nation-scale minor disruption to internet connectivity in Iran; national "
        f"connectivity at 90.0 % of ordinary levels {WHEN}",
    ),
    # weak evidence: one signal cannot "show"; low confidence is only "possible"
    (
        event("country:KZ", "blackout", "national", 2.9, 0.9, signals=1),
        "Metrics indicate a nation-scale internet blackout in Kazakhstan; national connectivity at 2.9 % of "
        f"ordinary levels {WHEN}",
    ),
    (
        event("country:KZ", "blackout", "national", 2.9, 0.3, signals=1),
        "Preliminary data suggest a possible nation-scale internet blackout in Kazakhstan; national "
        f"connectivity at 2.9 % of ordinary levels {WHEN}",
    ),
    # regional
    (
        event("region:KZ-75", "blackout", "regional", 3.9, 0.78),
        "Metrics show a blackout of internet service in Almaty, Kazakhstan; regional connectivity "
        f"at 3.9 % of ordinary levels {WHEN}",
    ),
    (
        event("region:ET-AM", "disruption", "regional", 25.0, 0.55, signals=2),
        "Metrics indicate a major disruption of internet service in Amara, Ethiopia; regional connectivity "
        f"at 25.0 % of ordinary levels {WHEN}",
    ),
    # network: one kind country-wide, and one operator
    (
        event("country:KZ", "disruption", "network", 51.9, 0.8, kinds=("mobile",)),
        "Metrics show a partial disruption of mobile internet in Kazakhstan; mobile connectivity "
        f"at 51.9 % of ordinary levels {WHEN}",
    ),
    (
        event("country:KZ", "blackout", "network", 4.0, 0.8, kinds=("fixed",)),
        "Metrics show a blackout of fixed internet in Kazakhstan; fixed connectivity at 4.0 % of ordinary "
        f"levels {WHEN}",
    ),
    (
        event("asn:29355", "blackout", "network", 4.0, 0.8),
        "Metrics show a blackout on Kcell JSC (AS29355), a mobile network in Kazakhstan; the network's "
        f"connectivity at 4.0 % of ordinary levels {WHEN}",
    ),
    (
        event("asn:9198", "disruption", "network", 30.0, 0.5, signals=2, end=None),
        "Metrics indicate a major disruption on JSC Kazakhtelecom (AS9198), a fixed network in Kazakhstan; "
        "the network's connectivity at 30.0 % of ordinary levels (since 2022-01-05 10:40 UTC, ongoing).",
    ),
    # services: blocking and throttling
    (
        event(
            "service:whatsapp@country:KZ",
            "service_blocking",
            "service",
            0.0,
            1.0,
            signals=1,
            services=("whatsapp",),
        ),
        f"Metrics indicate restrictions on Whatsapp in Kazakhstan; 0 % of Whatsapp tests succeeding {WHEN}",
    ),
    (
        event("service:telegram@asn:29355", "service_blocking", "service", 20.0, 0.4, signals=1),
        "Preliminary data suggest possible restrictions on Telegram in Kcell JSC (AS29355); 20 % of Telegram "
        f"tests succeeding {WHEN}",
    ),
    (
        event("service:web@country:IR", "throttling", "service", 35.0, 0.7, signals=1),
        f"Metrics indicate throttling of Web in Iran; Web performance at 35 % of ordinary {WHEN}",
    ),
]


@pytest.mark.parametrize(
    ("subject", "expected"), GOLDEN, ids=[f"{e.entity}-{e.kind}-{e.level}-{e.confidence}" for e, _ in GOLDEN]
)
def test_headline_is_golden(subject: Event, expected: str) -> None:
    assert headline(subject, place_of(subject)) == expected


@pytest.mark.parametrize("level", [10.0, 20.0, 49.9, 60.0, 95.0])
def test_blackout_word_only_below_ten_percent(level: float) -> None:
    text = headline(
        event("country:KZ", "blackout", "national", level, 0.97),
        place_of(event("country:KZ", "blackout", "national", level, 0.97)),
    )
    assert "blackout" not in text


def test_show_needs_two_signals_and_high_confidence() -> None:
    for signals, confidence in ((1, 0.99), (3, 0.74), (2, 0.5)):
        subject = event("country:KZ", "blackout", "national", 2.0, confidence, signals=signals)
        assert not headline(subject, place_of(subject)).startswith("Metrics show")


def test_a_mobile_only_cut_is_worded_at_the_mobile_level_with_the_national_one_beside() -> None:
    national = (Phase(START, END, 51.9, "disruption"),)
    mobile = replace(
        event("country:KZ", "disruption", "network", 19.1, 0.8, kinds=("mobile",)), phases=national
    )
    assert headline(mobile, place_of(mobile)) == (
        "Metrics show a major disruption of mobile internet in Kazakhstan; mobile connectivity at 19.1 % "
        f"of ordinary levels, national connectivity at 51.9 % {WHEN}"
    )


def test_stop_says_full_network_only_when_the_networks_hit_were_cut() -> None:
    national = (Phase(START, END, 51.9, "disruption"),)
    mobile = replace(
        event("country:KZ", "disruption", "network", 19.1, 0.8, kinds=("mobile",)), phases=national
    )
    cut = replace(mobile, kind="blackout", level=3.0)
    rows = list(csv.DictReader(io.StringIO(stop_csv([mobile, cut]))))
    assert [(r["affected_network"], r["shutdown_extent"], r["shutdown_type"]) for r in rows] == [
        ("Mobile", "", "Throttle"),
        ("Mobile", "Full network", "Shutdown"),
    ]
    assert read_stop_csv(stop_csv([mobile]))[0].national_level == 51.9


def test_stop_export_keeps_the_suggested_cause_and_older_exports_still_load() -> None:
    national = replace(
        event("country:KZ", "blackout", "national", 3.5, 0.9),
        suggested_cause="government_directed",
        suggested_reason="a sharp national cut",
    )
    text = stop_csv([national])
    assert read_stop_csv(text) == [national]
    rows = list(csv.DictReader(io.StringIO(text)))
    older = io.StringIO()
    kept = [c for c in rows[0] if not c.startswith("nv_suggested_")]
    writer = csv.DictWriter(older, fieldnames=kept, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert read_stop_csv(older.getvalue()) == [replace(national, suggested_cause=None, suggested_reason=None)]
