"""The feature parts of a store, through their protocols (every backend)."""

from dataclasses import astuple

import numpy as np
import pytest

from netvigil.model.alerts import AlertDelivery, AlertRule
from netvigil.model.annotations import Annotation
from netvigil.model.foreign import FetchRecord, ForeignEvent, Window
from netvigil.model.measurements import MeasurementQuery, MeasurementRow, ReachabilityCount
from netvigil.model.probing import BlockChange
from netvigil.model.signals import SignalPoint
from netvigil.pipeline.rollups import ensure_rollups
from netvigil.store import Store
from netvigil.store.tokens import create_token, verify_token

DAY = 86_400


def measurement(mid: str, at: int, verdict: str = "ok", cc: str = "KZ") -> MeasurementRow:
    return MeasurementRow(
        mid, None, "r1", "web_connectivity", "0.4.3", cc, "AS29355", "https://x.example", at, at + 5,
        verdict, None, None, "", "test", "{}",
    )  # fmt: skip


def test_measurements_are_deduplicated_searched_and_counted(store: Store) -> None:
    parts = store.measurements
    assert parts.insert([measurement("a", 100), measurement("b", 200, "anomaly"), measurement("a", 100)]) == 2
    assert parts.insert_values([astuple(measurement("c", 300, cc="BY"))]) == 1
    assert parts.insert([measurement("b", 200)]) == 0 and parts.count() == 3
    assert parts.existing_ids(["a", "z", "c"]) == {"a", "c"}
    found = parts.search(MeasurementQuery(probe_cc="KZ"))
    assert [m.id for m in found] == ["b", "a"] and all(m.body is None for m in found)
    got = parts.get("a")
    assert got is not None and got.body == "{}" and parts.get("z") is None
    assert parts.reachability_counts(0, 1000, 1000) == [
        ReachabilityCount(0, "web_connectivity", "BY", "AS29355", 1, 1),
        ReachabilityCount(0, "web_connectivity", "KZ", "AS29355", 1, 2),
    ]


def test_measurements_keep_their_region_and_count_per_region(store: Store) -> None:
    parts = store.measurements
    placed = [
        MeasurementRow(*astuple(measurement("p1", 100, "anomaly"))[:-1], "KZ-75"),
        MeasurementRow(*astuple(measurement("p2", 150))[:-1], "KZ-71"),
    ]
    assert parts.insert([measurement("o", 120), *placed]) == 3
    (found,) = parts.search(MeasurementQuery(probe_region="KZ-75"))
    assert (found.id, found.probe_region, found.body) == ("p1", "KZ-75", None)
    assert parts.reachability_counts(0, 1000, 1000) == [
        ReachabilityCount(0, "web_connectivity", "KZ", "AS29355", 1, 1),
        ReachabilityCount(0, "web_connectivity", "KZ", "AS29355", 1, 1, 0, "KZ-71"),
        ReachabilityCount(0, "web_connectivity", "KZ", "AS29355", 0, 1, 0, "KZ-75"),
    ]


def test_probe_changes_upsert_and_latest_state(store: Store) -> None:
    changes = [
        BlockChange(100, "10.0.0.0/24", "asn:1", None, "up", 0.9, 3, 1, "lab"),
        BlockChange(200, "10.0.0.0/24", "asn:1", "up", "down", 0.1, 3, 2, "lab"),
        BlockChange(200, "10.0.1.0/24", "asn:1", None, "up", 0.9, 3, 2, "lab"),
    ]
    assert store.probe_changes.write(changes) == 3 and store.probe_changes.write(changes[1:2]) == 1
    assert store.probe_changes.read() == changes
    assert store.probe_changes.read(block="10.0.1.0/24") == changes[2:]
    assert store.probe_changes.read(since=150) == changes[1:]
    assert store.probe_changes.latest_states("lab") == {"10.0.0.0/24": "down", "10.0.1.0/24": "up"}
    assert store.probe_changes.latest_states("elsewhere") == {}


def test_alert_rules_and_the_delivery_ledger(store: Store) -> None:
    alerts = store.alerts
    rule = AlertRule("r1", "desk", "webhook", "https://hook.example", scope="national", created_at=5)
    alerts.add_rule(rule)
    step = AlertDelivery("r1", "e1", "started", "{}", "pending", 0, 10, 10)
    assert alerts.enqueue([step, step]) == 1 and alerts.enqueue([step]) == 0
    assert alerts.due_deliveries(now=9) == [] and alerts.due_deliveries(now=10) == [step]
    alerts.record_attempt(step, status="dead", next_attempt_at=10, error="refused")
    (dead,) = alerts.list_deliveries(status="dead")
    assert (dead.attempts, dead.last_error, dead.sent_at) == (1, "refused", None)
    assert alerts.list_deliveries(event_id="e2") == []
    assert alerts.list_rules() == [rule]
    assert alerts.delete_rule("r1") and not alerts.delete_rule("r1") and alerts.list_rules() == []


def test_a_claim_is_a_lease_taken_once_and_dead_letters_are_requeued(store: Store) -> None:
    alerts = store.alerts
    alerts.add_rule(AlertRule("r1", "desk", "webhook", "https://hook.example", created_at=5))
    first = AlertDelivery("r1", "e1", "started", "{}", "pending", 0, 10, 10)
    second = AlertDelivery("r1", "e1", "ended", "{}", "pending", 0, 10, 10)
    alerts.enqueue([first, second])
    assert not alerts.claim(first, now=9, until=70)
    assert alerts.claim(first, now=10, until=70) and not alerts.claim(first, now=10, until=70)
    assert alerts.due_deliveries(now=69) == [second]
    assert {d.id for d in alerts.due_deliveries(now=70)} == {"r1:e1:started", "r1:e1:ended"}
    for delivery in (first, second):
        alerts.record_attempt(delivery, status="dead", next_attempt_at=80, error="refused")
    assert not alerts.claim(first, now=100, until=160)
    assert alerts.requeue_dead([("r1", "e1", "started")] * 2, now=90) == 1
    assert alerts.requeue_dead([("r1", "e1", "nope"), ("r1", "e1", "started")], now=90) == 0
    (requeued,) = alerts.due_deliveries(now=90)
    assert (requeued.id, requeued.status, requeued.attempts) == ("r1:e1:started", "pending", 0)
    assert [d.id for d in alerts.list_deliveries(status="dead")] == ["r1:e1:ended"]


def test_tokens_are_made_checked_and_revoked(store: Store) -> None:
    record, text = create_token(store.tokens, "probe", ["submit"])
    assert text.split("_", 2)[2] not in record.secret_sha256
    assert verify_token(store.tokens, text) == record and record.scope_set == {"submit"}
    assert verify_token(store.tokens, text[:-1] + ("A" if text[-1] != "A" else "B")) is None
    assert [t.id for t in store.tokens.list_tokens()] == [record.id]
    assert store.tokens.revoke(record.id) and not store.tokens.revoke("nope")
    assert verify_token(store.tokens, text) is None


def test_service_state_replaces_values(store: Store) -> None:
    assert store.state.get("k") is None
    store.state.set("k", "1")
    store.state.set("k", "2")
    assert store.state.get("k") == "2"


def test_annotations_keep_every_statement_and_the_newest_is_the_cause(store: Store) -> None:
    first = Annotation("e1", "government_order", "ana", 100, "https://source.example")
    second = Annotation("e1", "power_outage", "bo", 200)
    store.annotations.add(first)
    store.annotations.add(second)
    assert store.annotations.of(["e1", "e2"]) == [first, second]
    assert store.annotations.current_causes(["e1", "e2"]) == {"e1": second}
    assert store.annotations.of([]) == []


def test_rollups_views_and_evidence(store: Store) -> None:
    points = [
        SignalPoint(t, "country:KZ", "probe", 100.0 if t < DAY else 10.0, "csv")
        for t in range(0, 2 * DAY, 300)
    ]
    store.write_signals(points)
    assert not store.rollups.fresh() and store.rollups.latest_time() is None
    store.rollups.refresh()
    assert store.rollups.fresh() and store.rollups.latest_time() == 2 * DAY - 300
    assert store.rollups.entities() == ["country:KZ"] == store.rollups.stored_entities("country:%")
    assert store.rollups.signals_of(["country:KZ", "asn:1"]) == {"country:KZ": ["probe"], "asn:1": []}
    daily = store.rollups.series_view("country:KZ", "probe", 0, 2 * DAY, max_points=2)
    assert daily.step == DAY and daily.values.tolist() == [100.0, 10.0]
    raw = store.rollups.series_views(["country:KZ"], ["probe"], 0, 3600, max_points=100)
    assert raw[0].step == 300 and len(raw[0].times) == 12
    half_hourly = store.rollups.series_view("country:KZ", "probe", 0, 2 * DAY, max_points=96)
    assert half_hourly.step == 1800 and half_hourly.values.tolist() == [100.0] * 48 + [10.0] * 48
    finest = store.rollups.finest_rows(["country:KZ"], DAY)
    assert len(finest) == 48 and (finest["time"] >= DAY).all() and (finest["n"] == 6).all()
    finest["percent"] = np.where(finest["time"] < DAY + DAY // 2, 40.0, 60.0)
    store.rollups.write_percent(finest, DAY)
    store.rollups.derive_coarser(DAY)
    percent = store.rollups.series_views(["country:KZ"], ["probe"], DAY, 2 * DAY, max_points=1, percent=True)
    assert np.allclose(percent[0].values, [50.0])
    hours = store.rollups.series_views(["country:KZ"], ["probe"], DAY, 2 * DAY, max_points=24, percent=True)
    assert hours[0].step == 3600 and np.allclose(hours[0].values, [40.0] * 12 + [60.0] * 12)
    with pytest.raises(ValueError, match="1800 s or more"):
        store.rollups.series_views(["country:KZ"], ["probe"], 0, 3600, max_points=100, percent=True)
    (source,) = store.evidence.series_sources(["country:KZ"], 0, DAY)
    assert (source.source, source.observations, source.first, source.last) == ("csv", 288, 0, DAY - 300)


def test_rollups_built_with_other_tiers_are_rebuilt(store: Store) -> None:
    store.write_signals([SignalPoint(t, "country:KZ", "probe", 100.0, "csv") for t in range(0, DAY, 300)])
    assert ensure_rollups(store) and store.rollups.fresh() and not ensure_rollups(store)
    mark = store.state.get("rollups_mark")
    assert mark is not None and mark.endswith(":1800/3600/43200/86400")
    store.state.set("rollups_mark", mark.rsplit(":", 1)[0])  # as an older version wrote it
    assert not store.rollups.fresh()
    assert ensure_rollups(store) and store.rollups.fresh()
    view = store.rollups.series_view("country:KZ", "probe", 0, DAY, max_points=48)
    assert view.step == 1800 and view.values.tolist() == [100.0] * 48


def test_foreign_events_are_replaced_by_key_and_read_by_overlap(store: Store) -> None:
    first = ForeignEvent("ioda", "country:KZ", 1000, None, "outage", "e1", level="critical")
    other = ForeignEvent("radar", "asn:29355", 5000, 6000, "outage", "r1")
    assert store.foreign.add_events([first, other]) == 2
    ended = ForeignEvent("ioda", "country:KZ", 1000, 4000, "outage", "e1", level="critical")
    store.foreign.add_events([ended])
    assert store.foreign.read_events() == [ended, other]
    assert store.foreign.read_events(source="radar") == [other]
    assert store.foreign.read_events(entities=["country:KZ"], since=3000, until=9000) == [ended]
    assert store.foreign.read_events(since=4000) == [other]
    assert store.foreign.read_events(entities=[]) == []


def test_foreign_events_keep_their_members(store: Store) -> None:
    members = ("6100", "6101")
    burst = ForeignEvent("atlas", "country:KZ", 1000, 2000, "disconnection-burst", "b1", members=members)
    store.foreign.add_events([burst])
    assert store.foreign.read_events(source="atlas") == [burst]


def test_the_fetch_manifest_knows_which_windows_are_complete(store: Store) -> None:
    store.foreign.record_fetch(FetchRecord("ioda", "country:KZ", 0, 100, 5, 0, 10, True))
    store.foreign.record_fetch(FetchRecord("ioda", "country:KZ", 100, 200, 2, 0, 10, False))
    store.foreign.record_fetch(FetchRecord("ioda", "asn:1", 0, 100, 1, 0, 10, True))
    assert store.foreign.completed("ioda", "country:KZ", 0, 300) == {Window(0, 100)}
    store.foreign.record_fetch(FetchRecord("ioda", "country:KZ", 100, 200, 4, 1, 20, True))
    assert store.foreign.completed("ioda", "country:KZ", 50, 150) == {Window(0, 100), Window(100, 200)}
    assert store.foreign.completed("ioda", "country:KZ", 200, 300) == set()
    assert [(r.entity, r.start, r.points) for r in store.foreign.fetches("ioda")] == [
        ("asn:1", 0, 1), ("country:KZ", 0, 5), ("country:KZ", 100, 4),
    ]  # fmt: skip


def test_a_read_inside_a_transaction_sees_its_writes(store: Store) -> None:
    with store.transaction():
        store.measurements.insert([measurement("a", 100)])
        assert store.measurements.reachability_counts(0, 1000, 1000) == [
            ReachabilityCount(0, "web_connectivity", "KZ", "AS29355", 1, 1)
        ]
        assert store.measurements.count() == 1


def test_day_spans_give_each_series_first_and_last_day(store: Store) -> None:
    store.write_signals(
        [SignalPoint(t, "country:KZ", "probe", 1.0, "csv") for t in range(DAY + 600, 4 * DAY, 3600)]
        + [SignalPoint(2 * DAY + 7, "asn:29355", "bgp", 1.0, "csv")]
    )
    ensure_rollups(store)
    asn = {("asn:29355", "bgp"): (2 * DAY, 2 * DAY)}
    assert store.rollups.day_spans() == {("country:KZ", "probe"): (DAY, 3 * DAY), **asn}
    assert store.rollups.day_spans(["asn:29355", "asn:1"]) == asn
    assert store.rollups.signals_of(["asn:29355", "asn:1"]) == {"asn:29355": ["bgp"], "asn:1": []}
