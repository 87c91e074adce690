"""Versioned schema migrations, the same numbers and names on every backend.

Each part of a backend declares its own migrations (a ``MIGRATIONS`` tuple in its module);
:func:`merged` joins the parts' contributions to one version into one step, in the order the
parts are listed, so a step that makes tables of several parts (1: signals and events; 5: the
service tables) stays the single step it shipped as. Add a migration with the next free version
number; never edit one that has shipped. Version numbers are reserved per feature so parallel work
does not collide. Shipped: 1 core, 3 probe_changes, 4 measurements, 5 service tables, 6 annotations,
7 foreign events and the fetch manifest, 8 the measurements' region (vantage points), 9 roll-up
partitions, 10 the events' suggested cause. Each backend records the applied versions in its own
``schema_version`` table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

CORE: Final = "signals, ingests and events"
PROBING: Final = "prober block state changes"
MEASUREMENTS: Final = "OONI-format measurements"
SERVICE: Final = "service: API tokens, alert rules and deliveries, roll-ups, service state"
ANNOTATIONS: Final = "report: analyst cause annotations"
FOREIGN: Final = "public sources: foreign events and the fetch manifest"
VANTAGE: Final = "measurements: the region each was taken in (vantage points)"
ROLLUP_PARTITIONS: Final = "roll-ups: the coarse tiers kept a year per partition"
SUGGESTED_CAUSE: Final = "events: the cause suggested from the shape"
SUGGESTED_CAUSE_COLUMNS: Final = ("suggested_cause", "suggested_reason")
"""Event fields added after migration 1 (new stores have them from it, older ones from 10)."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step (or one part's share of it): a version, a name, and the SQL it runs."""

    version: int
    name: str
    statements: Callable[[], list[str]]


def merged(contributions: Iterable[Migration]) -> list[Migration]:
    """One migration per version, its statements those of every contribution in the given order."""
    by_version: dict[int, list[Migration]] = {}
    for migration in contributions:
        by_version.setdefault(migration.version, []).append(migration)
    steps: list[Migration] = []
    for version in sorted(by_version):
        parts = by_version[version]
        names = {m.name for m in parts}
        if len(names) != 1:
            raise ValueError(f"migration {version} is named differently by its parts: {sorted(names)}")

        def statements(parts: list[Migration] = parts) -> list[str]:
            return [s for m in parts for s in m.statements()]

        steps.append(Migration(version, parts[0].name, statements))
    return steps
