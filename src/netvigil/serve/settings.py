"""The one list of settings of the observatory service (API, dashboard, alerts, watch loop).

Each :class:`Setting` has a name, a type, a default and a sentence of help. A value comes from the
command line (``--setting name=value``), else the environment (``NETVIGIL_<NAME>``), else the
default. ``docs/api.md`` documents every one; a test fails when a setting is added without that.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from netvigil.model.errors import ConfigError

SettingValue = int | float | str | bool


@dataclass(frozen=True, slots=True)
class Setting:
    """One named, typed, documented setting."""

    name: str
    default: SettingValue
    help: str


SETTINGS: Final[tuple[Setting, ...]] = (
    Setting("max_body_bytes", 1_048_576, "Largest request body accepted; bigger gets 413."),
    Setting("rate_limit_per_minute", 600, "Requests per minute per client address; 0 turns the limit off."),
    Setting(
        "write_rate_limit_per_minute", 60, "Write requests (POST, DELETE) per minute per client address."
    ),
    Setting(
        "cache_seconds", 5, "How long a read answer is reused (and the max-age sent); 0 turns caching off."
    ),
    Setting("cache_entries", 2048, "How many read answers the cache keeps."),
    Setting("default_max_points", 800, "Points per series when a request does not ask for a number."),
    Setting("max_points_limit", 5000, "The most points per series a request may ask for."),
    Setting("default_days", 14, "Days shown by a chart when a request gives no range."),
    Setting("page_limit", 500, "The most rows a list answer returns."),
    Setting("cors_origins", "*", "Origins allowed to read the API from a browser (comma-separated)."),
    Setting("webhook_timeout", 10.0, "Seconds to wait for a webhook receiver."),
    Setting("alert_max_attempts", 6, "Attempts per alert message before it goes to the dead-letter list."),
    Setting("alert_backoff_seconds", 30.0, "First retry delay; each later one doubles."),
    Setting("alert_workers", 8, "Receivers served at once (each gets its messages one at a time, in order)."),
    Setting("smtp_host", "localhost", "SMTP server for e-mail alerts."),
    Setting("smtp_port", 25, "SMTP port for e-mail alerts."),
    Setting("smtp_from", "netvigil@localhost", "From address of e-mail alerts."),
    Setting(
        "public_url", "http://localhost:8000", "Base address of the dashboard, used in feeds and alerts."
    ),
    Setting("watch_interval", 60.0, "Seconds between two rounds of the watch loop."),
)
_BY_NAME: Final = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, text: str) -> SettingValue:
    kind = type(setting.default)
    try:
        if kind is bool:
            if text.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("1", "true", "yes")
        return kind(text)
    except ValueError:
        raise ConfigError(f"setting {setting.name}: {text!r} is not a {kind.__name__}") from None


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved values of every setting."""

    values: Mapping[str, SettingValue]

    def integer(self, name: str) -> int:
        """An integer setting."""
        return int(self.values[name])

    def number(self, name: str) -> float:
        """A number setting."""
        return float(self.values[name])

    def text(self, name: str) -> str:
        """A text setting."""
        return str(self.values[name])


def load_settings(
    overrides: Mapping[str, str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Resolve every setting from ``overrides``, else ``NETVIGIL_<NAME>`` in ``env``, else defaults."""
    overrides = dict(overrides or {})
    env = os.environ if env is None else env
    unknown = sorted(set(overrides) - set(_BY_NAME))
    if unknown:
        raise ConfigError(f"unknown setting {', '.join(unknown)}; known: {', '.join(_BY_NAME)}")
    values: dict[str, SettingValue] = {}
    for setting in SETTINGS:
        text = overrides.get(setting.name, env.get(f"NETVIGIL_{setting.name.upper()}"))
        values[setting.name] = setting.default if text is None else _coerce(setting, text)
    return Settings(values)


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``["name=value", …]`` from the command line to a mapping; raises ConfigError on a bad item."""
    found: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--setting {item!r}: expected NAME=VALUE")
        found[name.strip()] = value.strip()
    return found
