"""The RIPE Atlas source against a loopback replay of Atlas API v2 (SYNTHETIC Kazakhstan), with faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from netvigil.model.errors import SourceError, UnknownEntityError
from netvigil.model.signals import SignalPoint
from netvigil.sim.kazakhstan import BLACKOUT_START, KCELL, RESTORED, utc
from netvigil.sim.services import Fault, FaultKind, ServiceHarness
from netvigil.sim.services_atlas import PROBES, atlas_app
from netvigil.sources import public
from netvigil.sources.atlas import (
    KIND,
    LOOKBACK,
    SETTINGS,
    AtlasSource,
    Burst,
    Change,
    History,
    atlas_filter,
    bursts,
    probe_region,
    recovery,
)
from netvigil.sources.http import SourceClient
from tests.sources.clock import Clock, clocked_client

DAY = 86_400
PROBE_LIST = "/api/v2/probes/"
RESULTS = "/api/v2/measurements/7000/results/"
ORDINARY = utc(29, 0, month=12, year=2021)
JAN_4, JAN_5, JAN_7 = utc(4, 0), utc(5, 0), utc(7, 0)


@pytest.fixture(scope="module")
def server() -> Iterator[ServiceHarness]:
    with ServiceHarness(atlas_app()).running() as running:
        yield running


def _client(service: ServiceHarness, tmp_path: Path, clock: Clock, key: str | None = None) -> SourceClient:
    env = {"NETVIGIL_ATLAS_URL": f"{service.base_url}/api/v2"}
    if key is not None:
        env["NETVIGIL_ATLAS_KEY"] = key
    return clocked_client(SETTINGS, env, tmp_path / "http", clock)


@pytest.fixture
def client(service: ServiceHarness, tmp_path: Path, clock: Clock) -> Iterator[SourceClient]:
    with _client(service, tmp_path, clock) as made:
        yield made


def _all_points(client: SourceClient, entity: str, since: int, until: int) -> list[SignalPoint]:
    return [point for batch in AtlasSource().fetch_signals(client, entity, since, until) for point in batch]


def _points(client: SourceClient, entity: str, since: int, until: int) -> list[SignalPoint]:
    """The entity's own points (a country's regions follow them, see the regions' tests)."""
    return [p for p in _all_points(client, entity, since, until) if p.entity == entity]


def _at(points: list[SignalPoint], time: int) -> float:
    return next(p.value for p in points if p.time == time)


def test_registered_under_its_name() -> None:
    source = public.get("atlas")
    assert isinstance(source, AtlasSource)
    assert source.signals == ("atlas",) and source.window == DAY
    assert SETTINGS.base_url({}) == "https://atlas.ripe.net/api/v2"
    assert SETTINGS.base_url({"NETVIGIL_ATLAS_URL": "http://mirror/api/v2/"}) == "http://mirror/api/v2"
    assert not SETTINGS.token_required and SETTINGS.auth_scheme == "Key"


def test_entities_map_country_and_asn_and_say_what_is_not_mapped() -> None:
    assert atlas_filter("country:KZ") == ("country_code", "KZ")
    assert atlas_filter("asn:29355") == ("asn_v4", "29355")
    with pytest.raises(UnknownEntityError, match=r"region:KZ-75.*its country's.*country:CC or asn:N"):
        atlas_filter("region:KZ-75")


def test_an_unmapped_entity_yields_nothing_and_asks_nothing(
    client: SourceClient, service: ServiceHarness
) -> None:
    assert _points(client, "region:KZ-75", JAN_5, JAN_5 + DAY) == []
    assert AtlasSource().fetch_events(client, "service:whatsapp", JAN_5, JAN_5 + DAY) == []
    assert service.requests == []


def test_a_countrys_probes_are_placed_into_its_regions_by_position(
    client: SourceClient, service: ServiceHarness
) -> None:
    probes = AtlasSource().probes(client, "country:KZ")
    placed = {p.id: p.region for p in probes}
    assert set(placed.values()) == {"KZ-75", "KZ-71", "KZ-47"}
    points = _all_points(client, "country:KZ", ORDINARY, ORDINARY + DAY)
    assert len(service.hits(PROBE_LIST)) == 2  # the regions cost no request of their own
    by_entity: dict[str, list[SignalPoint]] = {}
    for point in points:
        by_entity.setdefault(point.entity, []).append(point)
    assert set(by_entity) == {"country:KZ", "region:KZ-75", "region:KZ-71", "region:KZ-47"}
    connected = [p for p in probes if p.status == 1]  # the abandoned probe is never counted
    for region in ("KZ-75", "KZ-71", "KZ-47"):
        expected = sum(p.region == region for p in connected)
        assert max(p.value for p in by_entity[f"region:{region}"]) == expected
    sums = [sum(by_entity[f"region:{r}"][k].value for r in ("KZ-75", "KZ-71", "KZ-47")) for k in range(288)]
    assert sums == [p.value for p in by_entity["country:KZ"]]


def test_the_blackout_takes_almatys_probes_too(client: SourceClient) -> None:
    points = [p for p in _all_points(client, "country:KZ", JAN_5, JAN_5 + DAY) if p.entity == "region:KZ-75"]
    assert _at(points, BLACKOUT_START - 300) > 0 and _at(points, BLACKOUT_START + 300) == 0


def test_a_probe_row_is_placed_by_its_geojson_point_or_not_at_all() -> None:
    almaty = {"country_code": "KZ", "geometry": {"type": "Point", "coordinates": [76.93, 43.26]}}
    assert probe_region(almaty) == "KZ-75"
    assert probe_region({"country_code": "KZ", "geometry": None}) is None
    assert probe_region({"country_code": "KZ", "geometry": {"coordinates": ["76.9", 43.2]}}) is None
    assert probe_region({"country_code": "KZ", "geometry": {"coordinates": [-0.13, 51.5]}}) is None


def test_probes_are_paged_by_next_and_the_never_connected_dropped(
    client: SourceClient, service: ServiceHarness
) -> None:
    probes = AtlasSource(page_size=10).probes(client, "country:KZ")
    assert len(probes) == PROBES + 1
    hits = [parse_qs(r.query) for r in service.hits(PROBE_LIST)]
    assert [h.get("page", ["1"]) for h in hits] == [["1"], ["2"], ["3"], ["4"]]
    assert all(h["country_code"] == ["KZ"] and h["page_size"] == ["10"] for h in hits)


def test_an_ordinary_day_keeps_every_probe_but_for_single_flaps(client: SourceClient) -> None:
    points = _points(client, "country:KZ", ORDINARY, ORDINARY + DAY)
    assert [p.time for p in points] == list(range(ORDINARY, ORDINARY + DAY, 300))
    assert {(p.entity, p.signal, p.source) for p in points} == {("country:KZ", "atlas", "atlas")}
    assert max(p.value for p in points) == PROBES and min(p.value for p in points) >= PROBES - 1


def test_the_blackout_takes_every_probe(client: SourceClient) -> None:
    points = _points(client, "country:KZ", JAN_5, JAN_5 + DAY)
    assert _at(points, BLACKOUT_START - 300) > 0
    assert _at(points, BLACKOUT_START + 300) == 0


def test_a_day_inside_the_blackout_takes_the_state_from_before_it(
    client: SourceClient, service: ServiceHarness
) -> None:
    points = _points(client, "country:KZ", JAN_7, JAN_7 + DAY)
    assert _at(points, JAN_7) == 0
    lookback = parse_qs(service.hits(RESULTS)[1].query)
    assert (lookback["start"], lookback["stop"]) == ([str(JAN_7 - LOOKBACK)], [str(JAN_7 - 1)])


def test_the_restoration_brings_them_back(client: SourceClient) -> None:
    points = _points(client, "country:KZ", utc(11, 0), utc(12, 0))
    assert _at(points, utc(11, 0)) < PROBES / 2 and _at(points, RESTORED + 300) == PROBES


def test_the_mobile_cut_on_an_asn(client: SourceClient, service: ServiceHarness) -> None:
    points = _points(client, KCELL.entity, JAN_4, JAN_4 + DAY)
    assert _at(points, utc(4, 14)) == 11 and _at(points, utc(4, 16, 5)) == 0  # throttled to ~4 %
    assert parse_qs(service.hits(PROBE_LIST)[0].query)["asn_v4"] == ["29355"]


def test_a_disconnection_burst_at_the_blackout_with_its_probes(
    client: SourceClient, service: ServiceHarness
) -> None:
    found = AtlasSource().fetch_events(client, "country:KZ", JAN_5, JAN_5 + DAY)
    [burst] = [e for e in found if e.start < utc(5, 12)]
    assert (burst.kind, burst.source, burst.entity) == (KIND, "atlas", "country:KZ")
    assert burst.start == BLACKOUT_START
    assert len(burst.members) == 16 and all(m.isdigit() for m in burst.members)
    assert burst.score == 100.0 and burst.end is not None and burst.end > JAN_5 + DAY
    assert burst.url.startswith("https://atlas.ripe.net/probes/")
    recovery_query = parse_qs(service.hits(RESULTS)[-1].query)
    assert recovery_query["start"] == [str(JAN_5 + DAY)]


def test_the_mobile_cut_is_a_burst_on_kcell_not_on_the_country(client: SourceClient) -> None:
    kcell = AtlasSource().fetch_events(client, KCELL.entity, JAN_4, JAN_4 + DAY)
    assert [(e.start - utc(4, 16)) // 60 for e in kcell] == [0]
    assert AtlasSource().fetch_events(client, "country:KZ", JAN_4, JAN_4 + DAY) == []


def test_no_burst_on_ordinary_days(client: SourceClient) -> None:
    source = AtlasSource()
    for day in range(ORDINARY, ORDINARY + 6 * DAY, DAY):
        assert source.fetch_events(client, "country:KZ", day, day + DAY) == []


def test_the_burst_rule() -> None:
    down = [Change(100 + k, k, False) for k in range(4)]
    back = [Change(1000 + k, k, True) for k in range(4)]
    found = History(0, 2000, dict.fromkeys(range(10), True), down + back)
    assert bursts(found) == []
    found = History(0, 2000, {k: k < 6 for k in range(10)}, down + back)
    assert bursts(found) == [Burst(100, (0, 1, 2, 3), 6)]
    assert recovery(Burst(100, (0, 1, 2, 3), 6), down + back) == 1001
    spread = History(0, 9000, dict.fromkeys(range(4), True), [Change(1000 * k, k, False) for k in range(4)])
    assert bursts(spread) == []


def test_an_asn_without_probes_has_no_points_and_no_events(client: SourceClient) -> None:
    assert _points(client, "asn:64512", JAN_5, JAN_5 + DAY) == []
    assert AtlasSource().fetch_events(client, "asn:64512", JAN_5, JAN_5 + DAY) == []


def test_a_key_is_sent_only_when_set(service: ServiceHarness, tmp_path: Path, clock: Clock) -> None:
    with _client(service, tmp_path, clock, key="k-123") as client:
        AtlasSource().probes(client, KCELL.entity)
    assert service.hits(PROBE_LIST)[-1].headers["authorization"] == "Key k-123"


def test_anonymous_by_default(client: SourceClient, service: ServiceHarness) -> None:
    AtlasSource().probes(client, KCELL.entity)
    assert "authorization" not in service.hits(PROBE_LIST)[0].headers


def test_429_with_retry_after_then_success(
    client: SourceClient, service: ServiceHarness, clock: Clock
) -> None:
    service.faults.add(RESULTS, Fault("status", status=429, retry_after="9", times=2))
    assert len(_points(client, "country:KZ", ORDINARY, ORDINARY + DAY)) == 288
    assert clock.slept.count(9.0) == 2


def test_500_then_success(client: SourceClient, service: ServiceHarness) -> None:
    service.faults.add(PROBE_LIST, Fault("status", status=500))
    assert len(_points(client, "country:KZ", ORDINARY, ORDINARY + DAY)) == 288
    assert len(service.hits(PROBE_LIST)) == 2


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
@pytest.mark.parametrize("path", [PROBE_LIST, RESULTS])
def test_truncated_and_malformed_bodies(
    client: SourceClient, service: ServiceHarness, kind: FaultKind, path: str
) -> None:
    service.faults.add(path, Fault(kind))
    with pytest.raises(SourceError) as caught:
        _points(client, "country:KZ", ORDINARY, ORDINARY + DAY)
    assert caught.value.kind == "malformed"


def test_a_fortnight_for_the_country(client: SourceClient) -> None:
    source, days = AtlasSource(), range(ORDINARY, ORDINARY + 14 * DAY, DAY)
    points = [p for day in days for p in _points(client, "country:KZ", day, day + DAY)]
    events = [e for day in days for e in source.fetch_events(client, "country:KZ", day, day + DAY)]
    assert len(points) == 14 * 288
    assert min(e.start for e in events) == BLACKOUT_START and max(e.start for e in events) < RESTORED
