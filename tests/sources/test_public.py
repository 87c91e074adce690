"""The registry of public sources and the windows a backfill is cut into."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from netvigil.model.errors import UnknownNameError
from netvigil.model.foreign import ForeignEvent, Window
from netvigil.model.signals import SignalPoint
from netvigil.sources import public
from netvigil.sources.http import SourceClient, SourceSettings
from netvigil.sources.public import PublicSource, fetch_windows, get, names, register

DAY = 86_400


class Quiet:
    """A source with a signal and no events: the smallest thing that satisfies the protocol."""

    settings = SourceSettings("quiet", "Quiet", "http://quiet.invalid", "NETVIGIL_QUIET_URL")
    signals = ("quiet.level",)
    window = DAY

    def fetch_signals(
        self, client: SourceClient, entity: str, since: int, until: int
    ) -> Iterator[list[SignalPoint]]:
        yield [SignalPoint(since, entity, "quiet.level", 1.0, source="quiet")]

    def fetch_events(self, client: SourceClient, entity: str, since: int, until: int) -> list[ForeignEvent]:
        return []


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public, "_REGISTERED", {})


@pytest.mark.usefixtures("registry")
def test_a_registered_source_is_found_by_name() -> None:
    source: PublicSource = Quiet()
    assert register(source) is source
    assert get("quiet") is source and "quiet" in names()


@pytest.mark.usefixtures("registry")
def test_an_unknown_source_is_an_input_error_naming_the_known_ones() -> None:
    register(Quiet())
    with pytest.raises(UnknownNameError, match=r"unknown source 'nosuch'; known: .*quiet"):
        get("nosuch")


def test_names_lists_only_sources_whose_module_is_there() -> None:
    assert set(names()) <= set(public.MODULES) | set(public._REGISTERED)


def test_importing_the_registry_imports_no_source_module() -> None:
    code = (
        "import sys, netvigil.sources.public as p; print(sorted(set(p.MODULES.values()) & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_windows_are_aligned_and_cover_the_span() -> None:
    since, until = 1_641_340_800 + 3_600, 1_641_340_800 + 3 * DAY - 60  # 2022-01-05 01:00 → 01-07 23:59
    windows = fetch_windows(since, until, DAY)
    assert windows == [Window(1_641_340_800 + n * DAY, 1_641_340_800 + (n + 1) * DAY) for n in range(3)]
    assert all(w.start % DAY == 0 for w in windows)


def test_a_later_start_gives_the_same_windows_from_there_on() -> None:
    start = 1_641_340_800
    assert (
        fetch_windows(start + 5 * 3_600, start + 2 * DAY, 3_600)
        == fetch_windows(start, start + 2 * DAY, 3_600)[5:]
    )


def test_windows_edge_cases() -> None:
    assert fetch_windows(100, 100, 60) == []
    assert fetch_windows(120, 180, 60) == [Window(120, 180)]
    assert Window(0, 60).complete(60) and not Window(0, 60).complete(59.9)
    with pytest.raises(ValueError, match="positive"):
        fetch_windows(0, 10, 0)
