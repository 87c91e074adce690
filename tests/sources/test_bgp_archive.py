"""The RIS and Route Views archives against a loopback replay (SYNTHETIC Kazakhstan 2022), with faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from netvigil.model.errors import SourceError
from netvigil.pipeline.bgp import default_mapper, ingest_bgp_files
from netvigil.sim import bgp, kazakhstan
from netvigil.sim.services import Fault, ServiceHarness
from netvigil.sim.services_bgp_archive import ArchiveReplay, Wanted, archive_app
from netvigil.sources import public
from netvigil.sources.bgp_archive import (
    RIS,
    ROUTEVIEWS,
    BgpArchiveSource,
    RisLayout,
    RouteViewsLayout,
    latest_table,
)
from netvigil.sources.bgp_visibility import VisibilityConfig
from netvigil.sources.http import SourceClient
from netvigil.sources.mrt import ParseReport, read_routes
from netvigil.sources.public import fetch_windows
from netvigil.store import Store, open_store
from tests.sources.clock import Clock, clocked_client

HOUR = 3600
JAN_5 = 1_641_340_800  # 2022-01-05 00:00 UTC; the blackout starts at 10:35
REPLAY = ArchiveReplay()


@pytest.fixture(scope="module")
def server() -> Iterator[ServiceHarness]:
    with ServiceHarness(archive_app(REPLAY)).running() as running:
        yield running


def client_of(
    source: BgpArchiveSource, service: ServiceHarness, tmp_path: Path, clock: Clock
) -> SourceClient:
    """A client of ``source`` pointed at the replay through its ``NETVIGIL_*_URL`` variable."""
    env = {source.settings.url_env: f"{service.base_url}/{source.settings.name}"}
    return clocked_client(source.settings, env, tmp_path / "http", clock)


def ris(tmp_path: Path, *collectors: str) -> BgpArchiveSource:
    """RIS (rrc00 unless ``collectors`` say), its files kept under ``tmp_path``."""
    return BgpArchiveSource(
        RIS.settings, RisLayout(), ("rrc00",), "", collectors=collectors or None, files_root=tmp_path
    )


def routeviews(tmp_path: Path, *collectors: str) -> BgpArchiveSource:
    """Route Views (route-views2 unless ``collectors`` say), its files kept under ``tmp_path``."""
    chosen = collectors or None
    return BgpArchiveSource(
        ROUTEVIEWS.settings, RouteViewsLayout(), ("route-views2",), "", collectors=chosen, files_root=tmp_path
    )


def names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


# -- layouts, names, windows ------------------------------------------------------------------


def test_both_archives_are_registered_and_give_no_signals_of_their_own() -> None:
    assert public.get("ris") is RIS and public.get("routeviews") is ROUTEVIEWS
    assert (RIS.window, ROUTEVIEWS.window) == (8 * HOUR, 2 * HOUR)
    assert list(RIS.fetch_signals(None, "country:KZ", 0, 1)) == []  # type: ignore[arg-type]
    assert RIS.fetch_events(None, "country:KZ", 0, 1) == []  # type: ignore[arg-type]


def test_the_archives_own_layouts() -> None:
    at = JAN_5 + 8 * HOUR + 5 * 60
    assert RisLayout().path("rrc00", "rib", JAN_5 + 8 * HOUR) == "rrc00/2022.01/bview.20220105.0800.gz"
    assert RisLayout().path("rrc21", "updates", at) == "rrc21/2022.01/updates.20220105.0805.gz"
    views = RouteViewsLayout()
    assert views.path("route-views2", "rib", JAN_5) == "bgpdata/2022.01/RIBS/rib.20220105.0000.bz2"
    assert (
        views.path("route-views.linx", "updates", at)
        == "route-views.linx/bgpdata/2022.01/UPDATES/updates.20220105.0805.bz2"
    )
    renamed = RouteViewsLayout(root_collectors=())
    assert renamed.path("route-views2", "rib", JAN_5).startswith("route-views2/bgpdata/2022.01/RIBS/")


def test_collectors_come_from_the_constructor_else_the_environment_else_the_default() -> None:
    assert RIS.collectors({}) == ("rrc00",) and ROUTEVIEWS.collectors({}) == ("route-views2",)
    assert RIS.collectors({"NETVIGIL_RIS_COLLECTORS": "rrc00, rrc25"}) == ("rrc00", "rrc25")
    env = "NETVIGIL_RIS_COLLECTORS"
    chosen = BgpArchiveSource(RIS.settings, RisLayout(), ("rrc00",), env, collectors=["rrc01"])
    assert chosen.collectors({"NETVIGIL_RIS_COLLECTORS": "rrc25"}) == ("rrc01",)


def test_an_aligned_window_is_its_rib_then_its_updates(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    source = routeviews(tmp_path)
    window = fetch_windows(JAN_5 + 9 * HOUR, JAN_5 + 11 * HOUR, source.window)[0]
    assert (window.start, window.end) == (JAN_5 + 8 * HOUR, JAN_5 + 10 * HOUR)
    with client_of(source, service, tmp_path, clock) as client:
        paths = source.fetch_archives(client, window.start, window.end)
    assert names(paths) == ["rib.20220105.0800.bz2"] + [
        f"updates.20220105.{hour:02d}{minute:02d}.bz2" for hour in (8, 9) for minute in (0, 15, 30, 45)
    ]
    assert service.hits("/routeviews/bgpdata/2022.01/RIBS/rib.20220105.0800.bz2")
    assert all(p.read_bytes() for p in paths)


def test_an_unaligned_since_takes_the_rib_before_and_the_updates_from_it(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    source = ris(tmp_path)
    with client_of(source, service, tmp_path, clock) as client:
        paths = source.fetch_archives(client, JAN_5 + 8 * HOUR + 20 * 60, JAN_5 + 8 * HOUR + 30 * 60)
    assert names(paths) == ["bview.20220105.0800.gz"] + [
        f"updates.20220105.08{minute:02d}.gz" for minute in range(0, 30, 5)
    ]


# -- downloads: resume, cache, missing files, errors -------------------------------------------


def test_a_dropped_download_is_fetched_again_whole(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    rib = "/ris/rrc00/2022.01/bview.20220105.0800.gz"
    service.faults.add(rib, Fault("drop", after_bytes=3000))
    source = ris(tmp_path)
    with client_of(source, service, tmp_path, clock) as client:
        paths = source.fetch_archives(client, JAN_5 + 8 * HOUR, JAN_5 + 8 * HOUR + 300)
        assert client.report().retries == 1
    assert paths[0].read_bytes() == REPLAY.file(Wanted("ris", "rrc00", True, JAN_5 + 8 * HOUR))
    assert len(service.hits(rib)) == 2


def test_a_download_cut_by_a_killed_run_resumes_where_it_stopped(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    """The client writes whole 64 KiB chunks; what a run had written before it died is kept and resumed."""
    rib = "/ris/rrc00/2022.01/bview.20220105.0800.gz"
    whole = REPLAY.file(Wanted("ris", "rrc00", True, JAN_5 + 8 * HOUR))
    source = ris(tmp_path)
    with client_of(source, service, tmp_path, clock) as client:
        part = source.local_path(client, rib.removeprefix("/ris/")).with_suffix(".gz.part")
        part.parent.mkdir(parents=True)
        part.write_bytes(whole[:3000])
        paths = source.fetch_archives(client, JAN_5 + 8 * HOUR, JAN_5 + 8 * HOUR + 300)
    assert paths[0].read_bytes() == whole and not part.exists()
    assert [r.headers.get("range") for r in service.hits(rib)] == ["bytes=3000-"]


def test_a_window_fetched_again_comes_from_the_cache(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    source = routeviews(tmp_path)
    with client_of(source, service, tmp_path, clock) as client:
        first = source.fetch_archives(client, JAN_5, JAN_5 + 2 * HOUR)
    requests = len(service.requests)
    with client_of(source, service, tmp_path, clock) as client:
        again = source.fetch_archives(client, JAN_5, JAN_5 + 2 * HOUR)
        assert client.report().cache_hits == len(first) == 9
    assert again == first and len(service.requests) == requests  # no GET of any file


def test_a_missing_update_file_is_a_gap_and_the_rest_is_replayed(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    missing = "/routeviews/bgpdata/2022.01/UPDATES/updates.20220105.0030.bz2"
    service.faults.add(missing, Fault("status", status=404))
    source = routeviews(tmp_path)
    failures: list[str] = []
    with client_of(source, service, tmp_path, clock) as client:
        paths = source.fetch_archives(client, JAN_5, JAN_5 + 2 * HOUR, failures=failures)
    assert len(paths) == 8 and "updates.20220105.0030.bz2" not in names(paths)
    assert len(failures) == 1 and "gap, no updates of route-views2 for 2022-01-05 00:30" in failures[0]
    assert len(service.hits(missing)) == 1  # a 404 is not retried
    with open_store(tmp_path / "s.duckdb") as store:
        assert ingest(store, paths).points > 0


def test_a_missing_rib_falls_back_to_the_one_before(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    service.faults.add("/routeviews/bgpdata/2022.01/RIBS/rib.20220105.1000.bz2", Fault("status", status=404))
    source = routeviews(tmp_path)
    failures: list[str] = []
    with client_of(source, service, tmp_path, clock) as client:
        paths = source.fetch_archives(client, JAN_5 + 10 * HOUR, JAN_5 + 11 * HOUR, failures=failures)
    assert names(paths)[0] == "rib.20220105.0800.bz2"
    assert len(paths) == 1 + 12  # the updates from 08:00, so the table is current at 10:00
    assert len(failures) == 1 and "no RIB of route-views2" in failures[0]


def test_a_collector_without_any_rib_is_skipped_and_said(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    source = ris(tmp_path, "rrc99", "rrc00")  # the replay has no rrc99
    failures: list[str] = []
    with client_of(source, service, tmp_path, clock) as client:
        paths = source.fetch_archives(client, JAN_5 + 8 * HOUR, JAN_5 + 8 * HOUR + 600, failures=failures)
    assert names(paths) == ["bview.20220105.0800.gz", "updates.20220105.0800.gz", "updates.20220105.0805.gz"]
    assert failures[-1].endswith("rrc99 skipped for the window from 2022-01-05 08:00")


def test_server_errors_and_429_are_retried_by_the_client(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    updates = "/ris/rrc00/2022.01/updates.20220105.0800.gz"
    service.faults.add(updates, Fault("status", status=500, times=2))
    service.faults.add(updates, Fault("status", status=429, retry_after="7"))
    source = ris(tmp_path)
    with client_of(source, service, tmp_path, clock) as client:
        paths = source.fetch_archives(client, JAN_5 + 8 * HOUR, JAN_5 + 8 * HOUR + 300)
        assert client.report().retries == 3
    assert len(service.hits(updates)) == 4 and 7.0 in clock.slept
    assert paths[1].read_bytes() == REPLAY.file(Wanted("ris", "rrc00", False, JAN_5 + 8 * HOUR))


def test_a_file_that_keeps_failing_fails_the_window_and_keeps_what_was_downloaded(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    updates = "/ris/rrc00/2022.01/updates.20220105.0805.gz"
    service.faults.add(updates, Fault("status", status=500, times=99))
    source = ris(tmp_path)
    with client_of(source, service, tmp_path, clock) as client, pytest.raises(SourceError) as caught:
        source.fetch_archives(client, JAN_5 + 8 * HOUR, JAN_5 + 8 * HOUR + 600)
    assert caught.value.kind == "server_error" and caught.value.source == "ris"
    service.faults.clear()
    service.requests.clear()
    with client_of(source, service, tmp_path, clock) as client:
        assert len(source.fetch_archives(client, JAN_5 + 8 * HOUR, JAN_5 + 8 * HOUR + 600)) == 3
    assert [r.path for r in service.requests] == [updates]  # only the file that was missing


# -- the files through the visibility signals ------------------------------------------------


def ingest(store: Store, paths: list[Path]) -> object:
    """The files replayed through the existing BGP ingest, as the monitor does (KZ entities only)."""
    return ingest_bgp_files(
        store,
        paths,
        config=VisibilityConfig(full_feed_v4=bgp.FULL_FEED),
        mapper=default_mapper(registry=False),
        keep=bgp.ENTITIES.__contains__,
    )


def kz_visibility(store: Store) -> tuple[np.ndarray, np.ndarray]:
    data = next(store.read_series(["country:KZ"], ["bgp"]))
    return data.times, data.values


def whole_kz() -> float:
    """The /24 equivalents of every KZ prefix of the replay."""
    from netvigil.geo.routing import slash24_equivalents  # noqa: PLC0415

    return sum(slash24_equivalents(p)[1] for plist in bgp.kz_prefixes().values() for p in plist)


@pytest.mark.parametrize("make", [ris, routeviews])
def test_the_blackout_shows_in_the_visibility_signal(
    make: type[BgpArchiveSource], service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    source = make(tmp_path)  # type: ignore[call-arg]
    since, until = JAN_5 + 10 * HOUR, JAN_5 + 11 * HOUR
    with client_of(source, service, tmp_path, clock) as client:
        paths = source.fetch_archives(client, since, until)
    with open_store(tmp_path / "s.duckdb") as store:
        ingest(store, paths)
        times, values = kz_visibility(store)
    full = whole_kz()
    before = values[(times >= since) & (times < kazakhstan.BLACKOUT_START - 300)]
    during = values[(times >= kazakhstan.BLACKOUT_START) & (times < until)]
    assert len(before) and len(during)
    assert np.allclose(before, full)
    assert during.max() < 0.8 * full and during.min() > 0.7 * full  # the timeline keeps 75 % routed


def test_two_collectors_interleave_and_count_as_one_table(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    both = ris(tmp_path, "rrc00", "rrc01")
    since, until = JAN_5 + 8 * HOUR, JAN_5 + 8 * HOUR + 900
    with client_of(both, service, tmp_path, clock) as client:
        paths = both.fetch_archives(client, since, until)
    assert [p.parent.parent.name + "/" + p.name for p in paths] == [
        "rrc00/bview.20220105.0800.gz",
        "rrc01/bview.20220105.0800.gz",
        *(f"{c}/updates.20220105.08{m:02d}.gz" for m in (0, 5, 10) for c in ("rrc00", "rrc01")),
    ]
    ribs = [route for path in paths[:2] for route in read_routes(path, ParseReport())]
    assert len({peer for route in ribs for peer in getattr(route, "peers", ())}) == 6  # 3 per collector
    with open_store(tmp_path / "both.duckdb") as store:
        ingest(store, paths)
        times, combined = kz_visibility(store)
        assert list(times) == [since, since + 300, since + 600]
    with open_store(tmp_path / "one.duckdb") as store:
        ingest(store, [p for p in paths if p.parent.parent.name == "rrc00"])
        _, alone = kz_visibility(store)
    assert np.array_equal(combined, alone) and np.allclose(combined, whole_kz())


def test_the_latest_table_is_the_last_rib_and_the_updates_since(
    service: ServiceHarness, tmp_path: Path, clock: Clock
) -> None:
    source = ris(tmp_path)
    now = JAN_5 + 16 * HOUR + 12 * 60  # just after the 16:00 RIB
    with client_of(source, service, tmp_path, clock) as client:
        fetched = latest_table(source, client, now)
    updates = [f"updates.20220105.16{minute:02d}.gz" for minute in (0, 5, 10)]
    assert names(fetched.paths) == ["bview.20220105.1600.gz", *updates]
    assert fetched.gaps == []
