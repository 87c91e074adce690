"""The visibility aggregation (IODA's method) and the prefix → entity mapping."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterable
from pathlib import Path

import pytest
from geoip2fast import GeoIP2Fast
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from netvigil.geo.registry import DATA_FILE, CountryTable
from netvigil.geo.routing import PrefixMapper, slash24_equivalents
from netvigil.model.errors import InputError
from netvigil.model.routes import (
    ESTABLISHED,
    IDLE,
    Announce,
    PeerKey,
    PeerState,
    RibEntries,
    Route,
    Withdraw,
)
from netvigil.model.signals import SignalPoint
from netvigil.sources.bgp_visibility import VisibilityAggregator, VisibilityConfig
from netvigil.sources.mrt import ParseReport, read_routes
from netvigil.sources.mrt.decoder import MrtDecoder, read_records

T0 = 1_641_168_000
ROUTEVIEWS_RIB = "routeviews_rib.20140523.0600_first9073records.mrt.bz2"


def mapper(prefix: str, origin: int | None) -> tuple[str, ...]:
    return (f"asn:{origin}", "country:KZ") if origin in (9198, 29355) else (f"asn:{origin}",)


def rib(time: int, peer: str, prefix: str, origin: int | None) -> RibEntries:
    return RibEntries(time, prefix, [PeerKey(peer)], [origin])


def announce(time: int, peer: str, prefix: str, origin: int | None) -> Announce:
    return Announce(time, PeerKey(peer), [prefix], origin)


def withdraw(time: int, peer: str, prefix: str) -> Withdraw:
    return Withdraw(time, PeerKey(peer), [prefix])


def values(points: list[SignalPoint], signal: str) -> dict[tuple[int, str], float]:
    return {(p.time - T0, p.entity): p.value for p in points if p.signal == signal}


def table(peers: int = 4, full_feed: int = 1) -> VisibilityAggregator:
    """Peers routing a background /16 and two /24s of 9198 plus one /23 of 29355 each."""
    agg = VisibilityAggregator(mapper, "bgp:test:map=t", VisibilityConfig(step=300, full_feed_v4=full_feed))
    for peer in range(peers):
        for prefix, origin in (
            ("10.0.0.0/16", 1),
            ("2.72.0.0/24", 9198),
            ("2.72.1.0/24", 9198),
            ("5.0.0.0/23", 29355),
        ):
            agg.rib_entries(rib(T0, f"p{peer}", prefix, origin))
    return agg


def test_visible_needs_more_than_half_of_full_feed_peers() -> None:
    agg = table()
    points: list[SignalPoint] = []
    points += agg.withdraw(withdraw(T0 + 310, "p0", "2.72.0.0/24"))
    points += agg.withdraw(withdraw(T0 + 320, "p1", "2.72.0.0/24"))  # 2 of 4: no longer more than half
    points += agg.withdraw(withdraw(T0 + 330, "p0", "5.0.0.0/23"))  # 3 of 4: still visible
    points += agg.announce(announce(T0 + 900, "p0", "2.72.0.0/24", 9198))
    points += agg.flush()
    bgp = values(points, "bgp")
    assert bgp[(0, "asn:9198")] == 2 and bgp[(0, "country:KZ")] == 4 and bgp[(0, "asn:1")] == 256
    assert bgp[(300, "asn:9198")] == 1 and bgp[(300, "asn:29355")] == 2 and bgp[(300, "country:KZ")] == 3
    assert bgp[(600, "asn:9198")] == 1  # a quiet bin keeps the state
    assert bgp[(900, "asn:9198")] == 2
    updates = values(points, "bgp_updates")
    assert updates[(0, "asn:9198")] == 0  # RIB entries are not updates
    assert (
        updates[(300, "asn:9198")] == 2
        and updates[(300, "country:KZ")] == 3
        and updates[(600, "asn:9198")] == 0
    )


def test_partial_feed_peers_do_not_vote() -> None:
    agg = table(peers=3, full_feed=2)
    for prefix, origin in (("2.72.1.0/24", 9198), ("5.0.0.0/23", 29355)):  # 2 prefixes: not more than 2
        agg.rib_entries(rib(T0, "small", prefix, origin))
    agg.withdraw(withdraw(T0 + 300, "p0", "2.72.0.0/24"))
    bgp = values(agg.flush(), "bgp")
    assert agg.full_counts[0] == 3
    assert bgp[(300, "asn:9198")] == 2  # 2 of 3 full-feed peers; were "small" counted, 2 of 4 is not enough


def test_a_peer_going_down_takes_its_routes() -> None:
    agg = table(peers=4)
    agg.withdraw(withdraw(T0 + 300, "p1", "2.72.0.0/24"))
    agg.peer_state(PeerState(T0 + 301, PeerKey("p0"), ESTABLISHED, IDLE))
    assert agg.peers[PeerKey("p0")].n4 == 0
    points = agg.flush()
    assert agg.full_counts[0] == 3  # a peer without routes is no longer full-feed
    bgp = values(points, "bgp")
    assert bgp[(300, "asn:9198")] == 2  # 2.72.0.0/24: 2 of the 3 remaining peers


def test_the_origin_decides_the_entity() -> None:
    agg = table()
    for peer in range(4):
        agg.announce(announce(T0 + 300, f"p{peer}", "2.72.0.0/24", 29355))
    bgp = values(agg.flush(), "bgp")
    assert bgp[(300, "asn:9198")] == 1 and bgp[(300, "asn:29355")] == 3 and bgp[(300, "country:KZ")] == 4


def test_ipv6_counts_48s_and_sizes() -> None:
    assert slash24_equivalents("2.72.0.0/13") == (False, 2048.0)
    assert slash24_equivalents("2a00:1a30::/32") == (True, 65536.0)
    agg = VisibilityAggregator(mapper, "t", VisibilityConfig(full_feed_v4=10, full_feed_v6=0))
    agg.rib_entries(rib(T0, "p", "2a00:1a30::/40", 9198))
    assert values(agg.flush(), "bgp6")[(0, "country:KZ")] == 256


def build_mmdb(path: Path) -> None:
    """A small City-layout database: 2.72.0.0/16 in Almaty (KZ-75), 2.73.0.0/16 in KZ without region."""
    writer = MMDBWriter(ip_version=6, database_type="GeoIP2-City", ipv4_compatible=True)
    writer.insert_network(
        IPSet(["2.72.0.0/16"]), {"country": {"iso_code": "KZ"}, "subdivisions": [{"iso_code": "75"}]}
    )
    writer.insert_network(IPSet(["2.73.0.0/16"]), {"country": {"iso_code": "KZ"}})
    writer.to_db_file(str(path))


def test_mapping_operators_registry_and_mmdb(tmp_path: Path) -> None:
    db = tmp_path / "city.mmdb"
    build_mmdb(db)
    m = PrefixMapper({9198: "KZ"}, registry=True, mmdb=db)
    assert m.label == "operators+geoip2fast+mmdb:city.mmdb"
    assert m.entities("2.72.5.0/24", 9198) == ("asn:9198", "country:KZ", "region:KZ-75")
    assert m.entities("2.73.0.0/24", 9198) == ("asn:9198", "country:KZ")
    assert m.entities("8.8.8.0/24", 15169) == ("asn:15169", "country:US")  # offline registry data
    assert PrefixMapper({}, registry=False).entities("8.8.8.0/24", 15169) == ("asn:15169",)


def test_registry_answers_do_not_depend_on_which_family_came_first() -> None:
    """One registry table for IPv4 and IPv6 (geoip2fast keeps its tables in module globals).

    Andorra Telecom's 46.172.224.0/19 is in geoip2fast's IPv6 file but not its IPv4-only file; with
    a table per family the answer changed once an IPv6 prefix had been mapped.
    """
    first_v4 = PrefixMapper({}, registry=True)
    assert first_v4.entities("46.172.242.0/24", 6752) == ("asn:6752", "country:AD")
    first_v6 = PrefixMapper({}, registry=True)
    assert first_v6.entities("2a02:2168::/32", None) == ("country:RU",)
    assert first_v6.entities("46.172.242.0/24", 6752) == ("asn:6752", "country:AD")


def test_a_file_that_is_not_mmdb_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "city.mmdb"
    bad.write_bytes(b"not a database" * 10)
    with pytest.raises(InputError, match=r"city\.mmdb: not a MaxMind \.mmdb"):
        PrefixMapper({}, mmdb=bad)


def test_rib_records_whole_give_the_points_of_element_by_element() -> None:
    """read_routes (RIB entries read in C, a record at a time) changes no figure (real RouteViews RIB).

    The reference: every entry decoded by the Python element decoder.
    """
    path = Path(__file__).resolve().parents[1] / "fixtures" / "mrt" / ROUTEVIEWS_RIB

    def points(routes: Iterable[Route]) -> list[SignalPoint]:
        agg = VisibilityAggregator(
            lambda p, o: (f"asn:{o}",), "bgp:t:map=t", VisibilityConfig(full_feed_v4=10)
        )
        out = [p for chunk in agg.feed(routes) for p in chunk]
        return out + agg.flush()

    whole = points(read_routes(path, ParseReport()))
    assert len(whole) > 1000 and any(p.value > 0 for p in whole if p.signal == "bgp")
    assert whole == points(read_records(path, ParseReport(), MrtDecoder().reference_routes))


def test_registry_table_answers_as_geoip2fast_does(tmp_path: Path) -> None:
    """The cached arrays give geoip2fast's own answers: random addresses and network edges."""
    geoip = GeoIP2Fast(geoip2fast_data_file=DATA_FILE, verbose=False)
    built = CountryTable.load(tmp_path)
    cached = CountryTable.load(tmp_path)  # read back from the .npz
    assert list(tmp_path.glob("*.npz")) and cached.codes == built.codes
    rng = random.Random(7)
    addresses = [ipaddress.IPv4Address(rng.getrandbits(32)) for _ in range(4000)]
    addresses += [
        ipaddress.IPv6Address((0x2000 + rng.getrandbits(12)) << 112 | rng.getrandbits(112))
        for _ in range(4000)
    ]
    for i in rng.sample(range(len(built.high)), 2000):
        first = (int(built.high[i]) << 64) | int(built.low[i])
        for ip in (first, first - 1, first + 1):
            addresses.append(ipaddress.ip_address(ip) if ip < 1 << 32 else ipaddress.IPv6Address(ip))
    for address in addresses:
        code = str(geoip.lookup(str(address)).country_code)
        want = code if len(code) == 2 and code.isalpha() else None
        assert cached.country(str(address)) == want, address


def test_a_damaged_registry_cache_is_made_again(tmp_path: Path) -> None:
    """A cut or foreign cache file is not an error: the table is read from geoip2fast again."""
    CountryTable.load(tmp_path)
    (cache,) = tmp_path.glob("*.npz")
    cache.write_bytes(cache.read_bytes()[:1000])
    table = CountryTable.load(tmp_path)
    assert table.country("46.172.242.0") == "AD"
    assert CountryTable._read(cache) is not None  # written whole again
