"""A small Kazakhstan-like store for service tests: 16 days of 5-minute signals and hand-made events.

Shaped on the January 2022 shutdown (see /work/shared/KAZAKHSTAN-2022.md): ordinary daily cycles,
then a national blackout from 2022-01-05 10:35 UTC to 2022-01-10 05:00 UTC at about 3 % of ordinary,
with a partial restoration phase; Kcell (mobile) and Kazakhtelecom (fixed) follow the country.
"""

from __future__ import annotations

import numpy as np

from netvigil.model.events import Event, Phase, parse_iso
from netvigil.model.signals import SignalPoint
from netvigil.store import Store

START = parse_iso("2021-12-27T00:00:00Z")
END = parse_iso("2022-01-12T00:00:00Z")
BLACKOUT_START = parse_iso("2022-01-05T10:35:00Z")
PARTIAL_START = parse_iso("2022-01-07T02:00:00Z")
PARTIAL_END = parse_iso("2022-01-07T08:00:00Z")
BLACKOUT_END = parse_iso("2022-01-10T05:00:00Z")
STEP = 300

SERIES = {
    "country:KZ": {"probe": 12_000.0, "bgp": 3_100.0, "traffic": 1.0},
    "asn:29355": {"probe": 900.0, "bgp": 120.0},
    "asn:9198": {"probe": 7_000.0, "bgp": 2_000.0},
    "region:KZ-75": {"probe": 2_500.0},
    "service:whatsapp@country:KZ": {"reachability": 0.97},
}


def connectivity(times: np.ndarray) -> np.ndarray:
    """Share of ordinary at each time: 1, 0.03 in the blackout, 0.4 in the partial restoration."""
    share = np.ones(len(times))
    share[(times >= BLACKOUT_START) & (times < BLACKOUT_END)] = 0.03
    share[(times >= PARTIAL_START) & (times < PARTIAL_END)] = 0.4
    return share


def points() -> list[SignalPoint]:
    """Every signal point of the store."""
    times = np.arange(START, END, STEP, dtype=np.int64)
    daily = 1.0 + 0.25 * np.sin(2 * np.pi * ((times % 86_400) / 86_400 - 0.3))
    share = connectivity(times)
    out: list[SignalPoint] = []
    for entity, signals in SERIES.items():
        for signal, base in signals.items():
            shape = daily if signal in ("probe", "traffic") else np.ones(len(times))
            values = base * shape * share
            out.extend(
                SignalPoint(int(t), entity, signal, float(v), "test")
                for t, v in zip(times, values, strict=True)
            )
    return out


def events() -> list[Event]:
    """The national blackout and its parts on the two big networks."""
    phases = (
        Phase(BLACKOUT_START, PARTIAL_START, 3.0, "blackout"),
        Phase(PARTIAL_START, PARTIAL_END, 40.0, "partial restoration"),
        Phase(PARTIAL_END, BLACKOUT_END, 3.0, "blackout"),
    )
    national = Event(
        "kz-2022-blackout",
        "country:KZ",
        "Kazakhstan",
        "blackout",
        "national",
        BLACKOUT_START,
        BLACKOUT_END,
        3.0,
        ("probe", "bgp", "traffic"),
        0.97,
        children=("asn:29355", "asn:9198"),
        phases=phases,
        network_kinds=("mobile", "fixed"),
        end_reason="restored",
    )
    kcell = Event(
        "kz-2022-kcell",
        "asn:29355",
        "Kcell JSC (AS29355)",
        "blackout",
        "network",
        BLACKOUT_START,
        BLACKOUT_END,
        2.5,
        ("probe", "bgp"),
        0.9,
        network_kinds=("mobile",),
        parent_event=national.id,
    )
    fixed = Event(
        "kz-2022-kazakhtelecom",
        "asn:9198",
        "JSC Kazakhtelecom (AS9198)",
        "blackout",
        "network",
        BLACKOUT_START,
        BLACKOUT_END,
        3.2,
        ("probe", "bgp"),
        0.9,
        network_kinds=("fixed",),
        parent_event=national.id,
    )
    return [national, kcell, fixed]


def fill(store: Store) -> None:
    """Write the signals and the events."""
    store.write_signals(points())
    store.replace_events(events(), ["country:KZ", "asn:29355", "asn:9198"])
