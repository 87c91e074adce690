"""Option parsing shared by commands: times, entity lists, detector settings, where batch work runs."""

from __future__ import annotations

import re

from netvigil.detect.config import DetectorConfig
from netvigil.model.entities import parse_entity
from netvigil.model.errors import ConfigError, EntityParseError, InputError
from netvigil.model.events import parse_iso
from netvigil.pipeline.cluster import ClusterSpec


def parse_time(text: str | None, option: str) -> int | None:
    """``2022-01-05``, ``2022-01-05T10:30:00Z`` or Unix seconds, for --from/--until options."""
    if text is None:
        return None
    value = text.strip()
    try:
        if re.fullmatch(r"[0-9]{9,11}", value):
            return int(value)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return parse_iso(value + "T00:00:00Z")
        return parse_iso(value)
    except ValueError as exc:
        raise InputError(
            f"{option} {text!r}: expected 2022-01-05, 2022-01-05T10:30:00Z or Unix seconds"
        ) from exc


def parse_entities(values: list[str] | None) -> list[str] | None:
    """Canonical entity identifiers, or an input error naming the bad one."""
    if not values:
        return None
    try:
        return [str(parse_entity(v)) for v in values]
    except EntityParseError as exc:
        raise InputError(str(exc)) from exc


def detector_config(settings: list[str] | None) -> DetectorConfig:
    """A detector config with ``KEY=VALUE`` overrides (see docs/detector.md for the keys)."""
    overrides: dict[str, str] = {}
    for item in settings or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--set {item!r}: expected KEY=VALUE, e.g. probe.warning=70")
        overrides[key.strip()] = value.strip()
    try:
        return DetectorConfig().with_overrides(overrides)
    except ConfigError as exc:
        raise InputError(f"--set: {exc}") from exc


def cluster_spec(workers: int | None, scheduler: str | None) -> ClusterSpec | None:
    """Where batch work runs, from ``--workers`` / ``--scheduler``; None (this process) for neither."""
    if workers is not None and scheduler is not None:
        raise InputError("--workers and --scheduler exclude each other: give one, not both")
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}: need at least 1")
    if scheduler is not None and not re.fullmatch(r"(tcp|tls|ws|wss|inproc)://\S+", scheduler):
        raise InputError(f"--scheduler {scheduler!r}: expected an address like tcp://host:8786")
    if workers is None and scheduler is None:
        return None
    return ClusterSpec(workers=workers or 1, scheduler=scheduler)
