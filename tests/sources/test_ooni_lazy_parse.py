"""The lazy (simdjson) parse of an OONI line gives exactly what a full parse gives, and bad lines say why."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from netvigil.detect.ooni import classify, verdict_json
from netvigil.pipeline.measurements import row_values, to_row
from netvigil.sources.ooni import BadLine, parse_line, read_jsonl

FIXTURE = Path(__file__).parents[1] / "fixtures" / "ooni" / "ooni_backend_fastpath_fixtures.jsonl"


def _variants() -> list[dict[str, Any]]:
    """Each real measurement, plus variants that reach the rarer branches of the classifier."""
    out: list[dict[str, Any]] = []
    for line in FIXTURE.read_text().splitlines():
        msm = json.loads(line)
        out.append(msm)
        tk = msm.get("test_keys") or {}
        failing = copy.deepcopy(msm)
        failing["test_keys"]["x_probe_failure"] = "unknown_failure: boom"
        out.append(failing)
        for entry in tk.get("tcp_connect") or ():
            entry["status"] = {"success": False, "failure": "generic_timeout_error"}
        for target in (tk.get("targets") or {}).values():
            target["failure"] = "connection_reset"
        msm["measurement_uid"] = "20220105120000.123456_KZ_webconnectivity_0123456789abcdef"
        out.append(msm)
    return out


@pytest.mark.parametrize("msm", _variants(), ids=lambda m: str(m["test_name"]))
def test_lazy_document_classifies_and_stores_like_a_dict(msm: dict[str, Any]) -> None:
    raw = json.dumps(msm).encode()
    lazy = parse_line(raw)
    assert isinstance(lazy, dict)
    assert classify(lazy) == classify(msm)
    assert verdict_json(lazy) == verdict_json(msm)
    received = 1_700_000_000
    assert row_values(lazy, received, "ooni-file", None) == row_values(msm, received, "ooni-file", None)
    assert to_row(msm, 1, "api", None).id == row_values(lazy, 1, "api", None)[0]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"report_id": ', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'{"n": 123456789012345678901234567890}', "not valid JSON"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b"42", "expected a JSON object, got int"),
        (b'{"report_id": "r"}', "test_name is missing or not a string"),
    ],
)
def test_bad_lines_say_why(raw: bytes, reason: str) -> None:
    got = parse_line(raw)
    assert isinstance(got, str)
    assert got.startswith(reason)


def test_a_measurement_stays_readable_after_the_next_line_is_parsed() -> None:
    first, second = FIXTURE.read_bytes().splitlines()[:2]
    a = parse_line(first)
    b = parse_line(second)
    assert isinstance(a, dict) and isinstance(b, dict)
    assert classify(a) == classify(json.loads(first))
    assert classify(b) == classify(json.loads(second))


def test_a_compressed_file_cut_short_keeps_its_whole_lines_and_names_the_damage(tmp_path: Path) -> None:
    lines = FIXTURE.read_bytes().splitlines(keepends=True)
    member = gzip.compress(b"".join(lines * 20))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(member[: len(member) // 2])
    bad: list[BadLine] = []
    read = list(read_jsonl(cut, bad))
    assert read, "the lines before the damage are kept"
    assert [line.number for line in read] == list(range(1, len(read) + 1))
    cut_short = "the compressed stream ends before its end marker (file cut short?)"
    assert bad == [BadLine(len(read) + 1, cut_short)]
