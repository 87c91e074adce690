"""Stores for report tests: the Kazakhstan 2022 synthetic replay (traffic, probe, BGP) detected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from netvigil.model.events import Event
from netvigil.pipeline.analyse import run_detection
from netvigil.pipeline.ingest import ingest_signal_file
from netvigil.sim import kazakhstan
from netvigil.sim.scenarios.files import write_scenario, write_series
from netvigil.sim.scenarios.generate import generate
from netvigil.sim.scenarios.library import build
from netvigil.store import Store, open_store


def detected_store(signals: Path, db: Path) -> list[Event]:
    """Ingest a signal file into a new store at ``db`` and detect; returns the events."""
    with open_store(db) as store:
        ingest_signal_file(store, signals)
        return run_detection(store)


@pytest.fixture(scope="session")
def kz_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the KZ replay's signals and detected events (built once per session)."""
    folder = tmp_path_factory.mktemp("kz")
    series = generate(kazakhstan.timeline(), kazakhstan.SIZES, kazakhstan.STYLE, np.random.default_rng(2022))
    write_series(series, folder / "kz.csv.gz")
    detected_store(folder / "kz.csv.gz", folder / "kz.duckdb")
    return folder / "kz.duckdb"


@pytest.fixture
def kz_store(kz_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the KZ store (tests may annotate it)."""
    copy = tmp_path / "kz.duckdb"
    copy.write_bytes(kz_db.read_bytes())
    with open_store(copy) as store:
        yield store


def scenario_db(name: str, folder: Path) -> Path:
    """A store with one library scenario ingested and detected."""
    path = write_scenario(build(name), folder)
    detected_store(path / "signals.csv.gz", folder / f"{name}.duckdb")
    return folder / f"{name}.duckdb"
