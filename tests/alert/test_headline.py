"""Alert headlines follow the part of the network hit, the national figure beside it."""

from __future__ import annotations

from netvigil.alert.dispatch import headline
from netvigil.model.events import Event, Phase, parse_iso

START = parse_iso("2022-01-04T16:10:00Z")
END = parse_iso("2022-01-05T10:40:00Z")


def mobile_cut(level: float, national: float) -> Event:
    return Event(
        id="m1",
        entity="country:KZ",
        entity_name="Kazakhstan",
        kind="disruption",
        scope="network",
        start=START,
        end=END,
        level=level,
        signals=("probe", "traffic"),
        confidence=0.8,
        phases=(Phase(START, END, national, "disruption"),),
        network_kinds=("mobile",),
    )


def test_a_mobile_cut_alert_names_the_networks_and_gives_the_national_figure_beside() -> None:
    assert headline(mobile_cut(19.1, 51.9), "started") == (
        "Disruption in Kazakhstan (network: mobile) started: 19.1 % of ordinary (national 51.9 %)"
    )
