"""Service events: a service blocked, or throttled, while the network it is tested from is up.

Input is the ``reachability`` signal (share of a service's tests that succeeded, 0..1) per service
entity such as ``service:whatsapp@country:KZ``, optionally the ``throttled`` signal (share of tests
whose handshakes succeeded but were much slower than a baseline site on the same network), and a
``network_up(scope, time)`` callback that says whether general connectivity of the scope was normal.

The state machine, per series, on a regular grid of ``step`` seconds:

* ordinary level: the median of the series over the trailing ``baseline_seconds`` (bins inside an
  event excluded); until ``min_history`` bins exist, 1.0 (every test succeeding).
* a bin is *bad* when its value is below ``drop_percent`` % of ordinary **and** below
  ``max_share`` in absolute terms **and** the network is up. Partial failures (a few tests of many
  failing, one flaky endpoint) stay above both thresholds and never open an event.
* an event opens after ``open_bins`` consecutive bad bins and ends after ``close_bins`` consecutive
  bins back above ``recover_percent`` % of ordinary. Missing bins (no tests) neither open nor close
  an event; a bin where the network is down closes it (that is an outage, not a service event).
* kind: ``throttling`` when, over the event, throttled tests make up at least ``throttled_share`` of
  the failed ones; otherwise ``service_blocking``.

Scope: a service tested from a whole country or network (``@country:``, ``@asn:``) gives scope
``service``; from a region (``service:whatsapp@region:KZ-75``, from vantage points placed there)
scope ``regional``, and from a user's local entity (``@local:…``) scope ``local`` where the event
model knows that scope. ``network_up`` is asked about the region itself, so a region that is
offline closes its service events instead of calling them blocking. Regional series are judged on
their share *relative to the rest of their country in the same bin* (the
``reachability_elsewhere`` signal; without it, the country's own series ``service:X@country:CC``):
a region degraded while the rest of the country is fine is a regional event (the country's
series, which mixes in every region, need not move), while a block of the whole
country moves region and country alike and stays the country's event. The absolute threshold
``max_share`` still applies to the region's own share; ``level`` is then the region's share as %
of its ordinary ratio to the rest of the country. A bin without a comparison value, or in which
the rest of the country is itself below ``max_share`` (blocked country-wide), is a missing bin.
:func:`group_by_place` then says which services were degraded together in one place
("WhatsApp and Telegram degraded in Almaty"), from overlapping events only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from netvigil.detect.events import event_id
from netvigil.model.events import SCOPES, Event, EventKind, Phase, Scope

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SeriesMap = Mapping[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]

SERVICE_NAMES: dict[str, str] = {
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "signal": "Signal",
    "facebook_messenger": "Facebook Messenger",
    "web": "Websites",
    "tor": "Tor",
    "tor_snowflake": "Tor over Snowflake",
    "psiphon": "Psiphon",
    "openvpn": "OpenVPN",
}


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Thresholds of the service-event state machine (see the module docstring)."""

    drop_percent: float = 50.0
    max_share: float = 0.6
    recover_percent: float = 75.0
    open_bins: int = 2
    close_bins: int = 2
    baseline_seconds: int = 3 * 86_400
    min_history: int = 6
    throttled_share: float = 0.5


@dataclass(slots=True)
class _Open:
    start: int
    levels: list[float]
    failed: float = 0.0
    throttled: float = 0.0


PLACE_SCOPES: dict[str, str] = {"region": "regional", "local": "local"}
"""The event scope of a service seen from a place below the country (by the place's entity type)."""


def split_entity(entity: str) -> tuple[str, str]:
    """``service:whatsapp@country:KZ`` → (``whatsapp``, ``country:KZ``)."""
    head, _, scope = entity.partition("@")
    return head.removeprefix("service:"), scope


def event_scope(entity: str) -> Scope:
    """``regional`` (or ``local``) for a service seen from a place; ``service`` otherwise."""
    _, scope = split_entity(entity)
    wanted = PLACE_SCOPES.get(scope.partition(":")[0], "service")
    for known in SCOPES:
        if known == wanted:
            return known
    return "service"


def service_name(service: str) -> str:
    """The service's display name (``whatsapp`` → ``WhatsApp``)."""
    return SERVICE_NAMES.get(service, service)


def degraded_statement(services: Sequence[str], place: str) -> str:
    """``WhatsApp and Telegram degraded in Almaty``: the services (in the given order) and the place."""
    return f"{service_list(services)} degraded in {place}"


def service_list(services: Sequence[str]) -> str:
    """``WhatsApp``, ``WhatsApp and Telegram``, ``WhatsApp, Telegram and Signal``."""
    names = [service_name(s) for s in services]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _on_grid(times: IntArray, values: FloatArray, step: int) -> tuple[IntArray, FloatArray]:
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    start = int(times[0]) - int(times[0]) % step
    grid = np.arange(start, int(times[-1]) + 1, step, dtype=np.int64)
    out = np.full(len(grid), np.nan)
    out[(times - start) // step] = values
    return grid, out


def _lookup(series: tuple[IntArray, FloatArray] | None, step: int) -> dict[int, float]:
    if series is None or len(series[0]) == 0:
        return {}
    times, values = series
    return {int(t) - int(t) % step: float(v) for t, v in zip(times, values, strict=True)}


class _Tracker:
    """One series' state machine; feed bins in time order with :meth:`feed`."""

    def __init__(
        self, entity: str, step: int, config: ServiceConfig, throttled: dict[int, float], place_name: str
    ):
        self.entity, self.step, self.config, self.throttled = entity, step, config, throttled
        self.place_name = place_name
        self.history: list[float] = []
        self.open: _Open | None = None
        self.bad_run: list[tuple[int, float, float]] = []
        self.good_run = 0
        self.events: list[Event] = []

    def ordinary(self) -> float:
        window = self.config.baseline_seconds // self.step
        recent = [v for v in self.history[-window:] if not np.isnan(v)]
        if len(recent) < self.config.min_history:
            return 1.0
        return max(float(np.median(recent)), 1e-6)

    def feed(self, t: int, value: float, up: bool, share: float | None = None) -> None:
        """One bin: ``value`` is judged against ordinary, ``share`` is the bin's own share of successes.

        They are the same unless the series is judged relative to its country.
        """
        if not up:
            self._close(t)
            self.bad_run.clear()
            return
        if np.isnan(value):
            return
        share = value if share is None else share
        ordinary = self.ordinary()
        level = 100.0 * value / ordinary
        cfg = self.config
        bad = level < cfg.drop_percent and share < cfg.max_share
        if self.open is not None:
            self._feed_open(t, share, level)
        elif bad:
            self.bad_run.append((t, share, level))
            if len(self.bad_run) >= cfg.open_bins:
                first = self.bad_run[0][0]
                self.open = _Open(first, [])
                for bt, bv, bl in self.bad_run:
                    self._account(bt, bv, bl)
                self.bad_run.clear()
        else:
            self.bad_run.clear()
            self.history.append(value)

    def _account(self, t: int, value: float, level: float) -> None:
        if self.open is not None:
            self.open.levels.append(level)
            self.open.failed += 1.0 - value
            self.open.throttled += min(self.throttled.get(t, 0.0), 1.0 - value)

    def finish(self) -> list[Event]:
        """Every event seen, the last one ongoing (``end`` null) if the series ends inside it."""
        if self.open is not None:
            self.events.append(self._event(self.open, None))
            self.open = None
        return self.events

    def _feed_open(self, t: int, value: float, level: float) -> None:
        if level >= self.config.recover_percent:
            self.good_run += 1
            if self.good_run >= self.config.close_bins:
                self._close(t - (self.good_run - 1) * self.step)
            return
        self.good_run = 0
        self._account(t, value, level)

    def _close(self, end: int | None) -> None:
        if self.open is None:
            return
        self.events.append(self._event(self.open, end))
        self.open = None
        self.good_run = 0

    def _event(self, span: _Open, end: int | None) -> Event:
        service, scope = split_entity(self.entity)
        cfg = self.config
        throttling = span.failed > 0 and span.throttled / span.failed >= cfg.throttled_share
        kind: EventKind = "throttling" if throttling else "service_blocking"
        level = float(min(span.levels))
        bins = len(span.levels)
        confidence = min(1.0, 0.5 + 0.1 * bins) * (1.0 - min(level, 100.0) / 200.0)
        note = "throttled: handshakes much slower than the baseline site" if throttling else "blocked"
        return Event(
            id=event_id(self.entity, span.start),
            entity=self.entity,
            entity_name=f"{service_name(service)} in {self.place_name or scope or 'all networks'}",
            kind=kind,
            scope=event_scope(self.entity),
            start=span.start,
            end=end,
            level=level,
            signals=("reachability", "throttled") if throttling else ("reachability",),
            confidence=round(confidence, 3),
            services=(service,),
            phases=(Phase(span.start, end, level, note),),
            end_reason=None if end is None else "restored",
            step=self.step,
        )


def detect_service_events(
    series: SeriesMap,
    network_up: Callable[[str, int], bool],
    step: int,
    config: ServiceConfig | None = None,
    throttled: SeriesMap | None = None,
    place_names: Mapping[str, str] | None = None,
    elsewhere: SeriesMap | None = None,
) -> list[Event]:
    """Service events of every series (keyed by service entity), sorted by start then entity.

    ``throttled`` (optional, same keys) is the share of tests per bin that ran into throttling; it
    decides between the kinds ``throttling`` and ``service_blocking``. ``place_names`` names the
    scopes in words (``region:KZ-75`` → ``Almaty``); a scope without a name is shown as its id.
    ``elsewhere`` (same keys, region-scoped series only) is the share in the rest of the region's
    country, what a region is judged against; without it, the country's own series is used.
    """
    config = config or ServiceConfig()
    events: list[Event] = []
    for entity in sorted(series):
        times, values = series[entity]
        if len(times) == 0:
            continue
        grid, on_grid = _on_grid(np.asarray(times, np.int64), np.asarray(values, np.float64), step)
        _, scope = split_entity(entity)
        place = (place_names or {}).get(scope, "")
        tracker = _Tracker(entity, step, config, _lookup((throttled or {}).get(entity), step), place)
        country = _lookup(_comparison(entity, series, elsewhere), step)
        for t, share in zip(grid.tolist(), on_grid.tolist(), strict=True):
            judged = _relative(share, country, t, config.max_share) if country else share
            tracker.feed(t, judged, network_up(scope, t), share)
        events.extend(tracker.finish())
    return sorted(events, key=lambda e: (e.start, e.entity))


def _comparison(
    entity: str, series: SeriesMap, elsewhere: SeriesMap | None
) -> tuple[IntArray, FloatArray] | None:
    """What a region-scoped series is judged against: the rest of its country, else the country."""
    if country_series(entity) is None:
        return None
    rest = (elsewhere or {}).get(entity)
    return rest if rest is not None else series.get(country_series(entity) or "")


def country_series(entity: str) -> str | None:
    """``service:whatsapp@region:KZ-75`` → ``service:whatsapp@country:KZ``; None unless region-scoped."""
    service, scope = split_entity(entity)
    kind, _, code = scope.partition(":")
    return f"service:{service}@country:{code[:2]}" if kind == "region" else None


def _relative(share: float, country: Mapping[int, float], t: int, fine: float) -> float:
    """The region's share as a fraction of the rest of its country's (or the country's) in the bin.

    NaN (a missing bin) when the comparison has no value then, or is itself below ``fine``: while
    the service is blocked country-wide, that is the country's event, and a few probes in one
    region cannot tell a further regional degradation from sampling noise.
    """
    whole = country.get(t)
    if whole is None or np.isnan(whole) or whole < fine or np.isnan(share):
        return float("nan")
    return share / whole


def service_order(service: str) -> tuple[int, str]:
    """Sort key of a service: the order of :data:`SERVICE_NAMES`, unknown services after, by name."""
    known = list(SERVICE_NAMES)
    return (known.index(service) if service in known else len(known), service)


def overlaps(a: Event, b: Event, horizon: int) -> bool:
    """Whether two events share some time; an ongoing one lasts until ``horizon``."""
    a_end = a.end if a.end is not None else horizon
    b_end = b.end if b.end is not None else horizon
    return a.start < b_end and b.start < a_end


def group_by_place(
    events: Sequence[Event], place_names: Mapping[str, str] | None = None, horizon: int | None = None
) -> list[Event]:
    """Say which services were degraded together in each place below the country.

    A regional (or local) service event's ``services`` become every service with an event in the
    same place overlapping it in time (in :data:`SERVICE_NAMES` order), and its phase notes
    start with the statement (``WhatsApp and Telegram degraded in Almaty``). Services already
    blocked in the whole country when it began (a ``service:X@country:CC`` event ongoing at its
    start) are named apart, as country-wide (``…; Telegram and Signal degraded country-wide``): the
    place's probes saw them fail too, but so did everyone's. A country-wide block that began later
    is its own event, told at its own time, not part of how the place's degradation began. A
    service with no overlapping event is not named: never more than the evidence. Other events
    pass as they are.
    """
    end = horizon if horizon is not None else max((e.end or e.start for e in events), default=0) + 1
    placed = [e for e in events if e.scope in PLACE_SCOPES.values()]
    out: list[Event] = []
    for event in events:
        if event not in placed:
            out.append(event)
            continue
        service, scope = split_entity(event.entity)
        services = _overlapping_services(placed, scope, event, end) | {service}
        country = f"country:{scope.partition(':')[2][:2]}" if scope.startswith("region:") else ""
        nationwide = _ongoing_services(events, country, event.start, end) - services if country else set()
        statement = degraded_statement(_ordered(services), (place_names or {}).get(scope) or scope)
        if nationwide:
            statement += f"; {service_list(_ordered(nationwide))} degraded country-wide"
        phases = tuple(replace(p, note=f"{statement}: {p.note}") for p in event.phases)
        out.append(replace(event, services=_ordered(services), phases=phases))
    return out


def _overlapping_services(events: Sequence[Event], scope: str, event: Event, horizon: int) -> set[str]:
    """Services with an event seen from ``scope`` that overlaps ``event`` in time."""
    return {
        split_entity(o.entity)[0]
        for o in events
        if o.is_service and split_entity(o.entity)[1] == scope and overlaps(o, event, horizon)
    }


def _ongoing_services(events: Sequence[Event], scope: str, moment: int, horizon: int) -> set[str]:
    """Services with an event seen from ``scope`` that is ongoing at ``moment``."""
    return {
        split_entity(o.entity)[0]
        for o in events
        if o.is_service
        and split_entity(o.entity)[1] == scope
        and o.start <= moment < (o.end if o.end is not None else horizon)
    }


def _ordered(services: set[str]) -> tuple[str, ...]:
    return tuple(sorted(services, key=service_order))
