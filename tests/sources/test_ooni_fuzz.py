"""Fuzzing the OONI reader (bounded, seeded): damaged real measurements never raise.

Whatever a line holds, :func:`parse_line` gives a measurement or the reason it is none, and a
measurement that passes the envelope check always gets a stored row and a verdict. The seeds are
OONI's real measurements of every test type (tests/detect/ooni_conformance.py);
benchmarks/fuzz_ooni.py runs the same on >= 10,000 cases.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netvigil.model.measurements import VERDICTS
from netvigil.pipeline.measurements import row_values
from netvigil.sources.ooni import BadLine, parse_line, read_jsonl
from tests.detect.ooni_conformance import measurement_lines

SEEDS = measurement_lines()
TREES = [json.loads(line) for line in SEEDS]
FUZZ = settings(
    max_examples=120, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _verdict_of(raw: bytes) -> str | None:
    parsed = parse_line(raw)
    if isinstance(parsed, str):
        return None
    row = row_values(parsed, 1_700_000_000, "fuzz", None)
    assert row[10] in VERDICTS
    return str(row[10])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key in list(value)[:30]:
            out += _paths(value[key], (*prefix, key))
    elif isinstance(value, list):
        for index in range(min(len(value), 5)):
            out += _paths(value[index], (*prefix, index))
    return out


PATHS = [_paths(tree)[1:] for tree in TREES]


@st.composite
def value_swaps(draw: st.DrawFn) -> bytes:
    """A real measurement with one value anywhere in it replaced by any JSON value."""
    index = draw(st.integers(min_value=0, max_value=len(TREES) - 1))
    path = draw(st.sampled_from(PATHS[index]))
    tree = json.loads(SEEDS[index])
    node = tree
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = draw(json_values)
    return json.dumps(tree).encode()


@st.composite
def byte_damage(draw: st.DrawFn) -> bytes:
    """A real measurement cut, flipped or with random bytes or a huge number put in."""
    line = draw(st.sampled_from(SEEDS))
    at = draw(st.integers(min_value=0, max_value=len(line) - 1))
    junk = draw(st.binary(max_size=40) | st.sampled_from([b"9" * 400, b"18446744073709551616", b"1e999"]))
    how = draw(st.sampled_from(["cut", "insert", "replace"]))
    if how == "cut":
        return line[:at]
    if how == "insert":
        return line[:at] + junk + line[at:]
    return line[:at] + junk + line[at + len(junk) :]


@FUZZ
@given(value_swaps())
def test_any_value_anywhere_gets_a_verdict_or_a_reason(raw: bytes) -> None:
    _verdict_of(raw)


@FUZZ
@given(byte_damage())
def test_damaged_bytes_get_a_verdict_or_a_reason(raw: bytes) -> None:
    _verdict_of(raw)


@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(value_swaps() | byte_damage() | st.sampled_from(SEEDS), min_size=1, max_size=5))
def test_a_file_of_damaged_lines_keeps_every_good_one(tmp_path_factory: Any, lines: list[bytes]) -> None:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "f.jsonl.gz"
    clean = [line.replace(b"\n", b" ") for line in lines]
    path.write_bytes(gzip.compress(b"\n".join(clean) + b"\n"))
    bad: list[BadLine] = []
    good = list(read_jsonl(path, bad))
    numbered = list(enumerate(clean, start=1))
    expected_good = [n for n, line in numbered if line.strip() and _verdict_of(line) is not None]
    blank = {n for n, line in numbered if not line.strip()}
    assert [line.number for line in good] == expected_good
    assert {b.line for b in bad} | set(expected_good) | blank == set(range(1, len(clean) + 1))
