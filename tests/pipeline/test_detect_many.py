"""Detection partitioned on a real LocalCluster gives the single-process events, stored the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from netvigil.detect.hierarchy import EntityInfo
from netvigil.model.events import Event, EventFilter
from netvigil.pipeline.analyse import entity_info, run_detection
from netvigil.pipeline.cluster import ClusterSpec
from netvigil.pipeline.detect_many import partition_entities
from netvigil.pipeline.ingest import ingest_signal_file
from netvigil.sim.scenarios.files import write_scenario
from netvigil.sim.scenarios.library import build
from netvigil.store import open_store

SCENARIOS = ("mobile_cut-kz-0", "long_blackout-sy-0", "curfew-uz-0")


@pytest.fixture(scope="module")
def signal_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("scenarios")
    return [write_scenario(build(name), root / name) / "signals.csv.gz" for name in SCENARIOS]


def _detect(db: Path, files: list[Path], cluster: ClusterSpec | None) -> tuple[list[Event], list[Event]]:
    with open_store(db) as store:
        for path in files:
            ingest_signal_file(store, path)
        found = run_detection(store, cluster=cluster)
        stored = sorted(store.read_events(EventFilter()), key=lambda e: (e.start, e.entity, e.id))
    return found, stored


def test_one_and_two_workers_give_the_single_process_events(signal_files: list[Path], tmp_path: Path) -> None:
    single, single_stored = _detect(tmp_path / "single.duckdb", signal_files, None)
    for workers in (1, 2):
        found, stored = _detect(tmp_path / f"w{workers}.duckdb", signal_files, ClusterSpec(workers=workers))
        assert found == single
        assert stored == single_stored
    assert {e.entity for e in single} >= {"country:KZ", "country:SY"}
    assert any(e.parent_event for e in single)


def test_partitions_keep_each_country_with_its_regions_and_networks() -> None:
    info = entity_info(["country:KZ", "asn:9198", "asn:48503", "country:SY", "asn:29256", "country:UZ"])
    info["asn:64999"] = EntityInfo("unplaced")
    points = dict.fromkeys(info, 100)
    points["country:SY"] = 1000
    assert info["asn:9198"].parent == info["asn:48503"].parent == "country:KZ"
    assert info["asn:29256"].parent == "country:SY"
    parts = partition_entities(points, info, 3)
    assert len(parts) == 3
    where = {entity: n for n, part in enumerate(parts) for entity in part}
    assert where["asn:9198"] == where["asn:48503"] == where["country:KZ"]
    assert where["asn:29256"] == where["country:SY"]
    assert sorted(e for part in parts for e in part) == sorted(info)
    assert partition_entities(points, info, 3) == parts
    assert partition_entities(points, info, 1) == [sorted(info)]
