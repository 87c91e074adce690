"""Opening, migrating and transactions, through the protocol (every backend), and the URL registry."""

from pathlib import Path

import pytest

from netvigil.model.alerts import AlertRule
from netvigil.model.errors import ConfigError, StoreError
from netvigil.model.signals import SignalPoint
from netvigil.store import Store, open_store, parse_location

SHIPPED = 10  # the newest migration (8 measurement regions, 9 roll-up partitions, 10 suggested causes)


def test_migrations_are_all_applied_and_idempotent_on_reopen(store_url: str) -> None:
    with open_store(store_url) as store:
        assert store.schema_version() == SHIPPED
        store.write_signals([SignalPoint(300, "asn:1", "bgp", 1.0)])
    with open_store(store_url) as again:
        assert again.schema_version() == SHIPPED
        assert again.migrate() == SHIPPED
        assert [i.points for i in again.list_series()] == [1]


def test_transaction_rolls_back_every_write_on_an_exception(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.write_signals([SignalPoint(300, "asn:1", "bgp", 1.0)])
        store.alerts.add_rule(AlertRule("r1", "desk", "webhook", "https://hook.example"))
        store.state.set("k", "v")
        raise RuntimeError("stop")
    assert store.list_series() == [] and store.alerts.list_rules() == [] and store.state.get("k") is None


def test_transaction_commits_every_write_together(store: Store) -> None:
    with store.transaction():
        store.write_signals([SignalPoint(300, "asn:1", "bgp", 1.0)])
        store.state.set("k", "v")
    assert [i.points for i in store.list_series()] == [1] and store.state.get("k") == "v"


def test_a_database_error_is_a_store_error(store: Store) -> None:
    rule = AlertRule("r1", "desk", "webhook", "https://hook.example")
    store.alerts.add_rule(rule)
    with pytest.raises(StoreError):
        store.alerts.add_rule(rule)
    assert store.alerts.list_rules() == [rule]


def test_read_only_open_of_a_missing_store_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.duckdb"
    with pytest.raises(StoreError, match=r"no store at .*nothing\.duckdb"):
        open_store(missing, read_only=True)
    assert not missing.exists()


def test_read_only_store_reads(store_url: str) -> None:
    with open_store(store_url) as store:
        store.write_signals([SignalPoint(300, "asn:1", "bgp", 1.0)])
    with open_store(store_url, read_only=True) as reader:
        assert reader.read_only and [i.entity for i in reader.list_series()] == ["asn:1"]


@pytest.mark.parametrize(
    ("db", "scheme", "target"),
    [
        ("kz.duckdb", "duckdb", "kz.duckdb"),
        ("/srv/obs/kz.duckdb", "duckdb", "/srv/obs/kz.duckdb"),
        (":memory:", "duckdb", ":memory:"),
        ("duckdb:///srv/obs/kz.duckdb", "duckdb", "/srv/obs/kz.duckdb"),
        ("duckdb:/srv/obs/kz.duckdb", "duckdb", "/srv/obs/kz.duckdb"),
        ("duckdb:///:memory:", "duckdb", ":memory:"),
        (Path("duckdb:///srv/kz.duckdb"), "duckdb", "/srv/kz.duckdb"),
    ],
)
def test_open_store_reads_paths_and_urls(db: str | Path, scheme: str, target: str) -> None:
    location = parse_location(db)
    assert (location.scheme, location.target) == (scheme, target)


def test_an_unknown_scheme_names_the_supported_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown store URL scheme 'postgres://'.*chdb://.*clickhouse://.*duckdb://"):
        open_store("postgres://localhost:5432/netvigil")


@pytest.mark.parametrize(
    ("db", "scheme"),
    [("chdb:///srv/obs/kz", "chdb"), ("clickhouse://db.example:8123/netvigil", "clickhouse")],
)
def test_clickhouse_urls_name_their_backend(db: str, scheme: str) -> None:
    location = parse_location(db)
    assert (location.scheme, location.target) == (scheme, db)


def test_a_duckdb_url_with_a_host_is_refused() -> None:
    with pytest.raises(ConfigError, match="names a file, not a host"):
        open_store("duckdb://server/kz.duckdb")


def test_open_store_opens_a_duckdb_url(tmp_path: Path) -> None:
    with open_store(f"duckdb://{tmp_path / 'u.duckdb'}") as store:
        store.write_signals([SignalPoint(300, "asn:1", "bgp", 1.0)])
    assert (tmp_path / "u.duckdb").exists()


def test_no_db_means_netvigil_db_then_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETVIGIL_DB", f"duckdb://{tmp_path / 'env.duckdb'}")
    with open_store(None) as store:
        store.write_signals([SignalPoint(300, "asn:1", "bgp", 1.0)])
    assert (tmp_path / "env.duckdb").exists()
    monkeypatch.delenv("NETVIGIL_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    open_store().close()
    assert (tmp_path / "xdg" / "netvigil" / "netvigil.duckdb").exists()
