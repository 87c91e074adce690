"""Signals and events through the store protocol (every backend)."""

import threading
from pathlib import Path

import pytest

from netvigil.model.errors import InputError
from netvigil.model.events import Event, EventFilter, Phase
from netvigil.model.series import IngestRecord
from netvigil.model.signals import SignalPoint
from netvigil.pipeline.ingest import ingest_signal_file
from netvigil.sources.textfile import sha256_of
from netvigil.store import Store


def write_csv(path: Path, rows: int, bad_at: int | None = None) -> Path:
    lines = ["time,entity,signal,value"]
    for i in range(rows):
        value = "oops" if bad_at == i else str(1000 + i % 7)
        lines.append(f"{1641000000 + 300 * i},country:KZ,probe,{value}")
    path.write_text("\n".join(lines) + "\n")
    return path


def count(store: Store) -> int:
    return sum(info.points for info in store.list_series())


def test_ingest_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 500)
    first = ingest_signal_file(store, path)
    assert (first.rows, first.skipped) == (500, False)
    second = ingest_signal_file(store, path)
    assert second.skipped and count(store) == 500


def test_overlapping_files_upsert_not_duplicate(store: Store, tmp_path: Path) -> None:
    ingest_signal_file(store, write_csv(tmp_path / "a.csv", 100))
    ingest_signal_file(store, write_csv(tmp_path / "b.csv", 150))
    assert count(store) == 150


def test_bad_row_writes_nothing_of_that_file(store: Store, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", 10)
    ingest_signal_file(store, good)
    bad = write_csv(tmp_path / "bad.csv", 120_000, bad_at=110_000)
    with pytest.raises(InputError) as caught:
        ingest_signal_file(store, bad)
    assert caught.value.line == 110_002
    assert count(store) == 10
    assert store.is_ingested("x" * 64) is None
    assert store.is_ingested(sha256_of(bad)) is None
    recorded = store.is_ingested(sha256_of(good))
    assert recorded is not None and recorded.rows == 10


def test_interrupted_ingest_can_be_rerun(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 1000)
    points = [SignalPoint(1641000000 + 300 * i, "country:KZ", "probe", 1.0) for i in range(10)]

    def interrupted() -> object:
        yield points
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.ingest_signals(interrupted(), IngestRecord("f" * 64, str(path), "signals", 0, 0))  # type: ignore[arg-type]
    assert count(store) == 0
    assert ingest_signal_file(store, path).rows == 1000


def test_write_signals_last_write_wins_and_reads_back_sorted(store: Store) -> None:
    store.write_signals([SignalPoint(600, "asn:1", "bgp", 2.0), SignalPoint(300, "asn:1", "bgp", 1.0)])
    store.write_signals([SignalPoint(600, "asn:1", "bgp", 5.0), SignalPoint(300, "asn:2", "bgp", 7.0)])
    (one,) = store.read_series(["asn:1"])
    assert one.times.tolist() == [300, 600] and one.values.tolist() == [1.0, 5.0]
    assert [s.entity for s in store.read_series(since=400)] == ["asn:1"]
    assert [(i.entity, i.points, i.first, i.last) for i in store.list_series()] == [
        ("asn:1", 2, 300, 600),
        ("asn:2", 1, 300, 300),
    ]


def test_events_replace_and_filter(store: Store) -> None:
    def event(eid: str, entity: str, start: int, end: int | None, parent: str | None = None) -> Event:
        return Event(
            eid,
            entity,
            entity,
            "blackout",
            "national",
            start,
            end,
            3.0,
            ("probe",),
            0.9,
            phases=(Phase(start, end, 3.0, "blackout"),),
            parent_event=parent,
        )

    store.replace_events(
        [
            event("a", "country:KZ", 100, 200),
            event("b", "country:KZ", 300, None),
            event("c", "asn:29355", 300, None, parent="b"),
        ],
        ["country:KZ", "asn:29355"],
    )
    assert [e.id for e in store.read_events(EventFilter(ongoing=True, top_level_only=True))] == ["b"]
    assert {e.id for e in store.read_events(EventFilter(since=250))} == {"b", "c"}
    assert store.get_event("a") == event("a", "country:KZ", 100, 200)
    store.replace_events([event("d", "country:KZ", 400, None)], ["country:KZ"])
    assert {e.id for e in store.read_events(EventFilter())} == {"c", "d"}


def test_readers_keep_working_while_a_writer_ingests(store: Store, tmp_path: Path) -> None:
    ingest_signal_file(store, write_csv(tmp_path / "seed.csv", 100))
    big = tmp_path / "big.csv"
    big.write_text(
        "time,entity,signal,value\n"
        + "".join(f"{1641000000 + 60 * i},asn:9198,traffic,{i}\n" for i in range(300_000))
    )
    seen: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                seen.append(count(store))
        except BaseException as exc:
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    ingest_signal_file(store, big)
    done.set()
    reader.join()
    assert not errors
    assert len(seen) > 5 and set(seen) <= {100, 300_100}
