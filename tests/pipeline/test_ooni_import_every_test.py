"""``ooni import`` stores every OONI test type with OONI's reading, and one bad line sinks nothing.

The measurements are OONI's own (tests/fixtures/conformance/ooni): fastpath's unit-test data (43,
every test type from web_connectivity to tor, torsf, meek, openvpn, riseupvpn, browser_web,
HHFM, HIRL, dash, ndt, http_requests and dns_consistency), Explorer's recorded raw measurements
and probe-cli's QA scenarios (whose ``report_id`` is empty).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from netvigil.model.errors import MeasurementError
from netvigil.pipeline.measurements import get_measurement, search_measurements, submit_measurements
from netvigil.pipeline.ooni import import_ooni_file
from netvigil.sources.ooni import envelope_error, measurement_id
from netvigil.store import Store
from tests.detect.ooni_conformance import ROOT, explorer_cases

FASTPATH = ROOT / "fastpath-testdata"


def _fastpath_measurements() -> list[tuple[str, dict[str, Any]]]:
    paths = sorted(p for p in FASTPATH.glob("*.json") if not p.name.startswith("EXPECTED"))
    return [(p.stem, json.loads(p.read_text())) for p in paths]


def _write(path: Path, items: list[dict[str, Any]] | list[bytes]) -> Path:
    lines = [i if isinstance(i, bytes) else json.dumps(i).encode() for i in items]
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    return path


def _stored(store: Store) -> dict[str, tuple[str, str | None]]:
    rows = search_measurements(store, limit=1000)
    return {f"{r['report_id']}|{r['test_name']}": (r["verdict"], r["input"]) for r in rows}


def test_every_fastpath_test_type_is_stored_with_oonis_reading(store: Store, tmp_path: Path) -> None:
    named = _fastpath_measurements()
    path = _write(tmp_path / "fastpath.jsonl.gz", [m for _, m in named])
    result = import_ooni_file(store, path)
    names = [name for name, _ in named]
    assert [(b.line, b.reason) for b in result.bad_lines] == [
        (names.index("meek3") + 1, "probe_cc is missing or not a string")  # OONI's backend drops it too
    ]
    assert result.read == len(named) - 1
    tests = {m["test_name"] for name, m in named if name != "meek3"}
    assert {"tor", "vanilla_tor", "torsf", "openvpn", "riseupvpn", "browser_web"} - tests == set()
    verdicts = {name: (get_measurement(store, measurement_id(m)) or {}).get("verdict") for name, m in named}
    assert verdicts["vanilla_tor"] == verdicts["torsf_1"] == verdicts["browser_web_error"] == "anomaly"
    assert verdicts["vanilla_tor_ok"] == verdicts["openvpn"] == verdicts["browser_web"] == "ok"
    assert verdicts["torsf_383"] == verdicts["http_header_field_manipulation_1"] == "failure"


def test_a_list_input_is_kept_as_oonis_backend_writes_it(store: Store) -> None:
    meek = dict(_fastpath_measurements())["meek"]
    assert isinstance(meek["input"], list)
    result = submit_measurements(store, [meek], received_at=1_700_000_000)
    assert (result.accepted, result.rejected) == (1, 0)
    (verdict, inp), *_ = _stored(store).values()
    assert inp == "{" + ",".join(meek["input"]) + "}"
    assert verdict == "anomaly"


def test_explorer_measurements_import_whatever_the_test(store: Store, tmp_path: Path) -> None:
    raws = [case.measurement for case in explorer_cases()]
    result = import_ooni_file(store, _write(tmp_path / "explorer.jsonl.gz", raws))
    assert result.bad_lines == ()
    assert result.read == len(raws) == 29


def test_qa_measurements_with_an_empty_report_id_are_accepted() -> None:
    qa = json.loads((ROOT / "probe-cli-qa-generated" / "dnsBlockingBOGON" / "measurement.json").read_text())
    assert qa["report_id"] == ""
    assert envelope_error(qa) is None
    without = {k: v for k, v in qa.items() if k != "report_id"}
    error = envelope_error(without)
    assert isinstance(error, MeasurementError)
    assert error.field == "report_id"


def test_an_impossible_start_time_is_one_bad_line_not_a_lost_file(store: Store, tmp_path: Path) -> None:
    good = [m for name, m in _fastpath_measurements() if name in ("tor", "openvpn", "whatsapp")]
    zero = dict(good[0], measurement_start_time="0000-00-00 00:00:00")
    month = dict(good[0], measurement_start_time="2020-13-01 00:00:00", report_id="other")
    path = _write(tmp_path / "zero.jsonl.gz", [good[0], zero, good[1], month, good[2]])
    result = import_ooni_file(store, path)
    assert (result.read, result.accepted) == (3, 3)
    assert [(b.line, b.reason.split(" ")[0]) for b in result.bad_lines] == [
        (2, "measurement_start_time"),
        (4, "measurement_start_time"),
    ]
    assert "is not a real time" in result.bad_lines[0].reason


def test_validation_errors_name_the_field(store: Store) -> None:
    base = _fastpath_measurements()[0][1]
    cases = {
        "probe_cc": dict(base, probe_cc="kz"),
        "probe_asn": dict(base, probe_asn="AS" + "9" * 400),
        "measurement_start_time": dict(base, measurement_start_time="0000-00-00 00:00:00"),
        "test_keys": dict(base, test_keys=[1, 2]),
        "input": dict(base, input={"url": "x"}),
        "measurement_uid": dict(base, measurement_uid=12),
        "test_name": dict(base, test_name=None),
    }
    for field, msm in cases.items():
        error = envelope_error(msm)
        assert isinstance(error, MeasurementError) and error.field == field, (field, error)
    whole = envelope_error([base])
    assert whole is not None and whole.field is None
    result = submit_measurements(store, [cases["probe_cc"], base], received_at=1_700_000_000)
    assert result.to_json()["errors"] == [
        {"index": 0, "reason": "probe_cc 'kz' is not two capital letters such as KZ", "field": "probe_cc"}
    ]
    assert result.accepted == 1
