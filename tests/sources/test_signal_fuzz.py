"""Property-based fuzzing of the signal file readers: whatever the bytes, a reader yields points or
raises InputError (FILE:LINE), nothing else. Seeded and bounded (benchmarks/fuzz_signals.py runs
the same idea over 10,000 cases per reader)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netvigil.model.errors import InputError
from netvigil.sources.signal_csv import read_points

SEEDS = Path(__file__).parents[1] / "fixtures" / "signals"
CSV_LINES = (SEEDS / "monash_hurricane_laura_2020.csv").read_bytes().splitlines(keepends=True)
JSONL_LINES = (SEEDS / "monash_hurricane_laura_2020.jsonl").read_bytes().splitlines(keepends=True)
HOSTILE = [
    b"9" * 400,
    b"1" * 5000,
    b"1e400",
    b"-1",
    b"NaN",
    b"true",
    b"country:ZZ",
    b"region:KZ-ZZZ",
    b"[" * 1000,
    b"x" * 140_000,
    b'"',
    b"\xff",
    b"\x00",
    b"\r",
]
FUZZ = settings(
    max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@st.composite
def mutated(draw: st.DrawFn, lines: list[bytes]) -> bytes:
    """A window of the real file with pieces replaced by hostile or random bytes."""
    start = draw(st.integers(1, len(lines) - 1))
    data = b"".join(lines[:1] + lines[start : start + draw(st.integers(0, 20))])
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 8))
        piece = draw(st.sampled_from(HOSTILE) | st.binary(max_size=16))
        data = data[:at] + piece + data[at + cut :]
    return data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


def read_all(path: Path) -> None:
    try:
        for _ in read_points(path):
            pass
    except InputError as exc:
        assert str(exc).startswith(str(path)) and exc.path == str(path)


@FUZZ
@given(data=mutated(CSV_LINES), packed=st.booleans())
def test_csv_reader_raises_only_input_errors(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, packed: bool
) -> None:
    path = tmp_path_factory.mktemp("csv") / ("case.csv.gz" if packed else "case.csv")
    path.write_bytes(gzip.compress(data) if packed else data)
    read_all(path)


@FUZZ
@given(data=mutated(JSONL_LINES))
def test_jsonl_reader_raises_only_input_errors(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "case.jsonl"
    path.write_bytes(data)
    read_all(path)
