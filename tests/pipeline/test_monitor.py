"""Backfilling public sources window by window into a store, against loopback replays with faults."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from netvigil.pipeline.monitor import Backfill, Follower, Watchlist, watchlist
from netvigil.pipeline.watch import Watcher
from netvigil.sim.services import Fault, ServiceHarness
from netvigil.sim.services_ioda import BLACKOUT_START, ioda_app
from netvigil.sim.services_radar import TOKEN as RADAR_TOKEN
from netvigil.sim.services_radar import radar_app
from netvigil.sources.ioda import SETTINGS
from netvigil.store import Store, open_store
from tests.sources.clock import Clock

DAY = 86_400
UNTIL = BLACKOUT_START + 2 * DAY
SINCE = UNTIL - 9 * DAY
NOW = UNTIL + 30 * DAY
WATCH = Watchlist(("country:KZ", "asn:29355", "region:KZ-75"))


@pytest.fixture(scope="module")
def server() -> Iterator[ServiceHarness]:
    with ServiceHarness(ioda_app()).running() as running:
        yield running


@pytest.fixture
def ioda(server: ServiceHarness) -> ServiceHarness:
    server.requests.clear()
    server.faults.clear()
    return server


def backfill(store: Store, ioda: ServiceHarness, tmp_path: Path, **options: object) -> Backfill:
    clock = Clock(1_700_000_000.0)
    settings: dict[str, object] = {
        "env": {"NETVIGIL_IODA_URL": f"{ioda.base_url}/v2", "NETVIGIL_IODA_MIN_INTERVAL": "0"},
        "now": lambda: NOW,
        "cache_root": tmp_path / "http",
        "client_options": {"sleep": clock.sleep, "rand": lambda: 0.0, "monotonic": clock.time},
    }
    return Backfill(store, WATCH, ["ioda"], **{**settings, **options})  # type: ignore[arg-type]


def stored(store: Store) -> tuple[list[tuple[str, str, int, float]], list[object]]:
    points = sorted(
        (d.entity, d.signal, int(t), float(v))
        for d in store.read_series()
        for t, v in zip(d.times, d.values, strict=True)
    )
    return points, list(store.foreign.read_events())


def test_the_watchlist_is_the_country_its_operators_and_its_regions() -> None:
    watch = watchlist(["KZ"])
    assert watch.entities[0] == "country:KZ"
    assert {"asn:9198", "asn:29355", "region:KZ-75", "region:KZ-71"} <= set(watch.entities)
    assert watch.keeps("asn:29355") and not watch.keeps("asn:1")


def test_a_backfill_stores_signals_events_and_the_manifest(ioda: ServiceHarness, tmp_path: Path) -> None:
    with open_store(":memory:") as store:
        (report,) = backfill(store, ioda, tmp_path).run(SINCE, UNTIL)
        assert report.failures == () and report.points > 0 and report.events > 0
        series = {(info.entity, info.signal) for info in store.list_series()}
        assert ("country:KZ", "ioda.ping-slash24") in series and ("region:KZ-75", "ioda.bgp") in series
        assert ("asn:29355", "ioda.gtr") in series
        assert {e.entity for e in store.foreign.read_events(source="ioda")} == set(WATCH.entities)
        records = store.foreign.fetches("ioda")
        assert len(records) == 3 * 3 and all(r.complete for r in records)


def test_a_second_run_fetches_nothing(ioda: ServiceHarness, tmp_path: Path) -> None:
    with open_store(":memory:") as store:
        backfill(store, ioda, tmp_path).run(SINCE, UNTIL)
        before = stored(store)
        ioda.requests.clear()
        (report,) = backfill(store, ioda, tmp_path).run(SINCE, UNTIL)
        assert ioda.requests == [] and report.requests == 0
        assert stored(store) == before


def test_an_interrupted_backfill_resumes_to_the_same_store(ioda: ServiceHarness, tmp_path: Path) -> None:
    with open_store(":memory:") as whole:
        backfill(whole, ioda, tmp_path / "a").run(SINCE, UNTIL)
        expected = stored(whole)
    ioda.requests.clear()
    with open_store(tmp_path / "resumed.duckdb") as store:
        windows = 0

        def count(*_: object) -> None:
            nonlocal windows
            windows += 1

        interrupted = backfill(store, ioda, tmp_path / "b", on_window=count, stopping=lambda: windows >= 2)
        interrupted.run(SINCE, UNTIL)
        assert len(store.foreign.fetches()) == 2
        first_run = {(r.path, r.query) for r in ioda.requests}
        ioda.requests.clear()
        backfill(store, ioda, tmp_path / "b").run(SINCE, UNTIL)
        second_run = [r for r in ioda.requests if r.path.startswith("/v2/signals")]
        assert second_run and not {(r.path, r.query) for r in second_run} & first_run
        assert stored(store) == expected


def test_a_window_reaching_into_the_future_is_fetched_again(ioda: ServiceHarness, tmp_path: Path) -> None:
    with open_store(":memory:") as store:
        backfill(store, ioda, tmp_path, now=lambda: UNTIL).run(SINCE, UNTIL)
        complete = [r.complete for r in store.foreign.fetches() if r.entity == "country:KZ"]
        assert complete == [True, True, False]
        ioda.requests.clear()
        backfill(store, ioda, tmp_path, now=lambda: UNTIL).run(SINCE, UNTIL)
        asked = {r.query.split("&")[0] for r in ioda.requests if r.path.startswith("/v2/signals")}
        last = max(r.start for r in store.foreign.fetches())
        assert asked == {f"from={last}"}


def test_a_failing_window_is_reported_skipped_and_fetched_again_later(
    ioda: ServiceHarness, tmp_path: Path
) -> None:
    path = "/v2/signals/raw/asn/29355"
    ioda.faults.add(path, Fault("status", status=500, times=100))
    with open_store(":memory:") as store:
        (report,) = backfill(store, ioda, tmp_path).run(SINCE, UNTIL)
        assert report.failures and all("HTTP 500" in f for f in report.failures)
        assert store.foreign.completed("ioda", "country:KZ", SINCE, UNTIL)
        assert not store.foreign.completed("ioda", "asn:29355", SINCE, UNTIL)
        ioda.faults.clear()
        (again,) = backfill(store, ioda, tmp_path).run(SINCE, UNTIL)
        assert again.failures == () and store.foreign.completed("ioda", "asn:29355", SINCE, UNTIL)


def test_an_unreachable_source_is_one_line_and_stops_only_itself(tmp_path: Path) -> None:
    env = {"NETVIGIL_IODA_URL": "http://127.0.0.1:9/v2", "NETVIGIL_IODA_MIN_INTERVAL": "0"}
    clock = Clock(1_700_000_000.0)
    with open_store(":memory:") as store:
        run = Backfill(
            store, WATCH, ["ioda"], env=env, now=lambda: UNTIL, cache_root=tmp_path,
            client_options={"sleep": clock.sleep, "rand": lambda: 0.0, "monotonic": clock.time},
        )  # fmt: skip
        (report,) = run.run(SINCE, UNTIL)
        assert len(report.failures) == 1 and "\n" not in report.failures[0]
        assert store.foreign.fetches() == []
    assert SETTINGS.name == "ioda"


def test_the_live_follower_feeds_the_watch_loop(ioda: ServiceHarness, tmp_path: Path) -> None:
    with open_store(":memory:") as store:
        follower = Follower(backfill(store, ioda, tmp_path, now=lambda: UNTIL), lookback=2 * DAY)
        watcher = Watcher(store, None, collect=follower)
        first = watcher.run_once()
        assert first.detected and first.events > 0 and follower.last_reports[0].points > 0
        ioda.requests.clear()
        assert watcher.run_once().detected, "the window not yet complete is fetched again each round"
        assert ioda.requests


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", status=500, times=999),
        Fault("status", status=429, times=999),
        Fault("malformed", times=999),
    ],
    ids=["500", "429", "garbage"],
)
def test_a_broken_source_is_reported_and_skipped_while_the_others_go_on(
    ioda: ServiceHarness, tmp_path: Path, fault: Fault
) -> None:
    for path in ("/v2/signals/raw/country/KZ", "/v2/outages/events", "/v2/entities/query"):
        ioda.faults.add(path, replace(fault))
    with ServiceHarness(radar_app()).running() as radar, open_store(":memory:") as store:
        env = {
            "NETVIGIL_IODA_URL": f"{ioda.base_url}/v2", "NETVIGIL_IODA_MIN_INTERVAL": "0",
            "NETVIGIL_RADAR_URL": f"{radar.base_url}/client/v4", "NETVIGIL_RADAR_MIN_INTERVAL": "0",
            "CLOUDFLARE_API_TOKEN": RADAR_TOKEN,
        }  # fmt: skip
        run = backfill(store, ioda, tmp_path, env=env)
        run.sources = ["ioda", "radar"]
        ioda_report, radar_report = run.run(SINCE, UNTIL)
    assert ioda_report.failures and all("\n" not in f for f in ioda_report.failures)
    assert radar_report.failures == () and radar_report.points > 0


def test_a_country_the_source_has_nothing_for_is_said(ioda: ServiceHarness, tmp_path: Path) -> None:
    with open_store(":memory:") as store:
        run = backfill(store, ioda, tmp_path)
        run.watch = Watchlist(("country:IR", "asn:58224"))
        (report,) = run.run(SINCE, UNTIL)
    assert report.failures == ("IODA has no data for country:IR in this span",)
    assert report.points == 0
