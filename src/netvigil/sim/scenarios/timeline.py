"""A scenario's ground truth: a country made of regions x operators, and impairments over time.

Every (region, operator) pair is a unit weighted by region share x operator share; an entity's
connectivity is the weighted mean of its units' factors, so a regional or mobile-only cut shows
at the country level in proportion to its weight, as in real aggregates. Implements
:class:`netvigil.model.timeline.Timeline`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Times = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

MIXED_MOBILE_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class Impairment:
    """One cut of connectivity to a target, for a time.

    ``target`` is ``country:CC``, ``region:CC-X``, ``asn:N``, ``kind:mobile``/``kind:fixed``, or
    ``except:CC-A,CC-B`` (the whole country but those regions).

    ``depth`` is the connectivity that remains (0.03 = blackout), ``routing`` the share of routes still
    announced, ``ramp`` seconds of gradual recovery before ``end``; ``services`` limits it to those services.
    """

    target: str
    start: int
    end: int
    depth: float
    routing: float = 1.0
    ramp: int = 0
    services: tuple[str, ...] = ()

    def strength(self, times: Times, remaining: float) -> Floats:
        """The factor this impairment applies at each time (1.0 outside it)."""
        inside = (times >= self.start) & (times < self.end)
        factor = np.where(inside, remaining, 1.0)
        if self.ramp:
            progress = np.clip((times - (self.end - self.ramp)) / self.ramp, 0.0, 1.0)
            ramping = inside & (times >= self.end - self.ramp)
            factor = np.where(ramping, remaining + (1.0 - remaining) * progress, factor)
        return factor


@dataclass(frozen=True, slots=True)
class Unit:
    """A (region, operator) cell of the country with its weight."""

    region: str | None
    asn: int | None
    kind: str
    weight: float


@dataclass(frozen=True, slots=True)
class ScenarioTimeline:
    """Ground truth of one scenario (implements the Timeline protocol)."""

    country: str
    regions: tuple[tuple[str, float], ...]
    operators: tuple[tuple[int, str, float], ...]
    start: int
    end: int
    step: int
    impairments: tuple[Impairment, ...] = ()
    units: tuple[Unit, ...] = field(default=(), compare=False)
    cache: dict[tuple[str, bool, str | None], Floats] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        country: str,
        regions: Sequence[tuple[str, float]],
        operators: Sequence[tuple[int, str, float]],
        start: int,
        end: int,
        step: int,
        impairments: Sequence[Impairment] = (),
    ) -> ScenarioTimeline:
        """A timeline whose units cover the named regions and operators plus the unnamed rest."""
        region_rest = max(0.0, 1.0 - sum(s for _, s in regions))
        operator_rest = max(0.0, 1.0 - sum(s for _, _, s in operators))
        region_cells: list[tuple[str | None, float]] = [*regions, (None, region_rest)]
        operator_cells: list[tuple[int | None, str, float]] = [*operators, (None, "mixed", operator_rest)]
        units = tuple(
            Unit(r, a, kind, rs * os)
            for r, rs in region_cells
            for a, kind, os in operator_cells
            if rs * os > 0
        )
        return cls(country, tuple(regions), tuple(operators), start, end, step, tuple(impairments), units)

    def entities(self) -> Sequence[str]:
        """The country, its named regions and its named operators."""
        return [
            f"country:{self.country}",
            *(f"region:{r}" for r, _ in self.regions),
            *(f"asn:{a}" for a, _, _ in self.operators),
        ]

    def _applies(self, imp: Impairment, unit: Unit) -> float:
        """How much of an impairment hits a unit (1 = fully, 0 = not at all)."""
        kind, _, code = imp.target.partition(":")
        if kind == "country":
            return 1.0
        if kind == "region":
            return 1.0 if unit.region == code else 0.0
        if kind == "asn":
            return 1.0 if unit.asn is not None and str(unit.asn) == code else 0.0
        if kind == "except":
            return 0.0 if unit.region in code.split(",") else 1.0
        if kind == "kind":
            if unit.kind == code:
                return 1.0
            return MIXED_MOBILE_SHARE if unit.kind == "mixed" and code == "mobile" and unit.asn else 0.0
        return 0.0

    def _members(self, entity: str) -> list[Unit]:
        kind, _, code = entity.partition(":")
        if kind == "region":
            return [u for u in self.units if u.region == code]
        if kind == "asn":
            return [u for u in self.units if u.asn is not None and str(u.asn) == code]
        return list(self.units)

    def factors(self, entity: str, times: Times, routing: bool = False, service: str | None = None) -> Floats:
        """The entity's factor at each time: connectivity, routing, or one service's success."""
        members = self._members(entity)
        total = sum(u.weight for u in members)
        value = np.zeros(len(times))
        if total <= 0:
            return value + 1.0
        for unit in members:
            factor = np.ones(len(times))
            for imp in self.impairments:
                if imp.services and (service is None or service not in imp.services):
                    continue
                share = self._applies(imp, unit)
                if share:
                    remaining = imp.routing if routing else imp.depth
                    factor *= 1.0 - share * (1.0 - imp.strength(times, remaining))
            value += unit.weight * factor
        return value / total

    def _at(self, entity: str, time: int, routing: bool, service: str | None) -> float:
        """One factor; on the timeline's grid it comes from a series computed once per question."""
        if not self.start <= time < self.end:
            return float(self.factors(entity, np.array([time], dtype=np.int64), routing, service)[0])
        key = (entity, routing, service)
        series = self.cache.get(key)
        if series is None:
            grid = np.arange(self.start, self.end, self.step, dtype=np.int64)
            series = self.cache[key] = self.factors(entity, grid, routing, service)
        return float(series[(time - self.start) // self.step])

    def connectivity(self, entity: str, time: int) -> float:
        """Share of ordinary end-user connectivity of ``entity`` at ``time``."""
        return self._at(entity, time, routing=False, service=None)

    def routing(self, entity: str, time: int) -> float:
        """Share of the entity's routes still announced at ``time``."""
        return self._at(entity, time, routing=True, service=None)

    def service(self, service: str, entity: str, time: int) -> float:
        """Share of ``service`` tests from ``entity`` that succeed at ``time``."""
        return self._at(entity, time, routing=False, service=service)
