"""The classifier agrees with OONI's fastpath on real measurements, and handles edge cases."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from netvigil.detect.ooni import classify, verdict_json

OONI = Path(__file__).parents[1] / "fixtures" / "ooni"


def _load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (OONI / name).read_text().splitlines()]


def _fastpath_verdict(row: dict[str, Any]) -> str:
    if row["confirmed"]:
        return "confirmed"
    if row["failure"]:
        return "failure"
    return "anomaly" if row["anomaly"] else "ok"


@pytest.mark.parametrize("index", range(11))
def test_agrees_with_fastpath(index: int) -> None:
    msm = _load("ooni_backend_fastpath_fixtures.jsonl")[index]
    expected = _load("fastpath_expected.jsonl")[index]
    got = classify(msm)
    assert got.verdict == _fastpath_verdict(expected)
    if expected["blocking_type"]:
        assert got.blocking_type == expected["blocking_type"]


def _msm(test: str, probe_cc: str | None = None) -> dict[str, Any]:
    fixtures = _load("ooni_backend_fastpath_fixtures.jsonl")
    return next(m for m in fixtures if m["test_name"] == test and probe_cc in (None, m["probe_cc"]))


def test_whatsapp_registration_blocked_is_an_anomaly_with_its_failure() -> None:
    msm = copy.deepcopy(_msm("whatsapp"))
    for request in msm["test_keys"]["requests"]:
        if request["request"]["url"] == "https://v.whatsapp.net/v2/register":
            request["failure"] = "connection_reset"
    msm["test_keys"]["failed_operation"] = None
    got = classify(msm)
    assert (got.verdict, got.failure) == ("anomaly", "connection_reset")


def test_whatsapp_all_endpoints_down_is_tcp_ip() -> None:
    msm = copy.deepcopy(_msm("whatsapp"))
    for entry in msm["test_keys"]["tcp_connect"]:
        entry["status"] = {"success": False, "failure": "generic_timeout_error"}
    got = classify(msm)
    assert (got.verdict, got.blocking_type, got.failure) == ("anomaly", "tcp_ip", "generic_timeout_error")


def test_web_connectivity_probe_blocking_and_netvigil_extension() -> None:
    msm = copy.deepcopy(_msm("web_connectivity", "US"))  # the ID one is a confirmed block page
    msm["test_keys"]["blocking"] = "http-diff"
    assert classify(msm).blocking_type == "http-diff"
    msm["test_keys"]["x_netvigil_blocking"] = "throttling"
    assert (classify(msm).verdict, classify(msm).blocking_type) == ("anomaly", "throttling")
    msm["test_keys"]["blocking"] = None
    msm["test_keys"].pop("x_netvigil_blocking")
    assert classify(msm).verdict == "failure"


def test_unknown_test_and_missing_keys_are_failures() -> None:
    assert classify({"test_name": "ndt7"}).verdict == "failure"
    assert classify({"test_name": "web_connectivity", "test_keys": None}).verdict == "failure"
    assert classify({"test_name": "whatsapp", "test_keys": {}}).verdict == "failure"


def test_verdict_json_has_the_documented_fields() -> None:
    line = verdict_json(_msm("telegram"))
    assert set(line) == {
        "measurement_uid",
        "report_id",
        "test_name",
        "probe_cc",
        "probe_asn",
        "input",
        "verdict",
        "blocking_type",
        "failure",
        "reason",
    }
