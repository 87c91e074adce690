"""Migration 5: the tables of the observatory service (tokens, alerts, roll-ups, service state)."""

from __future__ import annotations

from netvigil.store.alerts import alert_tables
from netvigil.store.auth import auth_tables
from netvigil.store.serving import serving_tables


def service_tables() -> list[str]:
    """Every statement migration 5 runs."""
    return [*auth_tables(), *alert_tables(), *serving_tables()]
