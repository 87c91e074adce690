"""Every setting is documented in docs/api.md (and nothing documented is missing from the list)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netvigil.model.errors import ConfigError
from netvigil.serve.settings import SETTINGS, load_settings, parse_assignments

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented() -> dict[str, str]:
    rows = re.findall(r"^\| `([a-z_]+)` \| `([^`]*)` \|", DOC.read_text("utf-8"), flags=re.MULTILINE)
    return dict(rows)


def test_every_setting_is_documented_with_its_default() -> None:
    table = documented()
    assert set(table) == {s.name for s in SETTINGS}
    for setting in SETTINGS:
        assert table[setting.name] == str(setting.default), setting.name


def test_values_come_from_overrides_then_environment_then_defaults() -> None:
    env = {"NETVIGIL_CACHE_SECONDS": "9", "NETVIGIL_SMTP_PORT": "2525"}
    settings = load_settings({"cache_seconds": "0"}, env=env)
    assert settings.number("cache_seconds") == 0
    assert settings.integer("smtp_port") == 2525
    assert settings.text("cors_origins") == "*"


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings({"cache_secs": "1"}, env={})
    with pytest.raises(ConfigError, match="not a int"):
        load_settings({"smtp_port": "twenty-five"}, env={})
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        parse_assignments(["cache_seconds"])
