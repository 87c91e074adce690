"""netvigil's OONI verdicts equal OONI's own on OONI's test data (tests/detect/ooni_conformance.py)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from netvigil.detect.ooni import classify
from tests.detect.ooni_conformance import DOCUMENTED, ROOT, Case, agrees, all_cases, netvigil_label

CASES = list(all_cases())


def _id(case: Case) -> str:
    return f"{case.suite}:{case.name[:60]}"


@pytest.mark.parametrize("case", [c for c in CASES if c.name not in DOCUMENTED], ids=_id)
def test_verdict_equals_ooni(case: Case) -> None:
    got = classify(case.measurement)
    assert agrees(case, got.verdict, got.blocking_type), (got, case.verdict, case.blocking_type)


@pytest.mark.parametrize("case", [c for c in CASES if c.name in DOCUMENTED], ids=_id)
def test_documented_differences_still_differ(case: Case) -> None:
    got = classify(case.measurement)
    assert not agrees(case, got.verdict, got.blocking_type)


def test_every_suite_has_its_cases() -> None:
    sizes = Counter(c.suite for c in CASES)
    assert sizes == {
        "ooni-fastpath": 32,
        "ooni-explorer": 29,
        "ooni-minipipeline": 6,
        "ooni-qa": 50,
        "ooni-lte": 1,
        "ooni-spec": 5,
    }


def test_qa_confusion_matrix_has_no_false_positive_or_negative() -> None:
    matrix: Counter[tuple[str, str]] = Counter()
    for case in (c for c in CASES if c.suite == "ooni-qa"):
        got = classify(case.measurement)
        matrix[netvigil_label(got.verdict, got.blocking_type), case.label] += 1
    blocked = {(ours, label): n for (ours, label), n in matrix.items() if label.startswith('blocking="')}
    blocked_by_ooni = sum(blocked.values())
    blocked_by_both = sum(n for (ours, label), n in blocked.items() if label.split('"')[1] in ours)
    assert blocked_by_ooni == blocked_by_both == 29
    assert sum(n for (ours, label), n in matrix.items() if ":" in ours and "blocking=false" in label) == 0
    assert matrix["failure", "blocking=null,accessible=null"] == 1


def test_tor_and_vpn_tests_are_classified_as_fastpath_does() -> None:
    verdicts = {c.name: classify(c.measurement).verdict for c in CASES if c.suite == "ooni-fastpath"}
    assert verdicts["vanilla_tor"] == "anomaly"  # bootstrap stopped short: 0.98
    assert verdicts["vanilla_tor_ok"] == "ok"
    assert verdicts["torsf_1"] == "anomaly"
    assert verdicts["torsf_383"] == "failure"  # ooniprobe-android 3.8.3
    assert verdicts["tor_list"] == "failure"  # targets as a list
    assert (verdicts["openvpn"], verdicts["riseupvpn"]) == ("ok", "ok")
    assert (verdicts["meek"], verdicts["meek3"]) == ("anomaly", "ok")  # meek3 scores exactly 0.5


def test_http_fingerprint_from_oonis_list_confirms() -> None:
    # fastpath's test_match_id_fingerprint: OONI's list matches this Indonesian block page
    path = ROOT / "fastpath-testdata" / "20250527233111.802678_ID_webconnectivity_5a37ec909dbf14e3.json"
    got = classify(json.loads(path.read_text()))
    assert (got.verdict, got.blocking_type) == ("confirmed", "http-diff")
    assert "ooni.id_lamanlabuh_kominfo" in got.reason


def test_base64_bodies_as_fastpath_reads_them() -> None:
    # test_match_fingerprints_b64_hdr: a base64 header is decoded, and matches no fingerprint
    header = json.loads((ROOT / "fastpath-testdata" / "web_connectivity_b64_hdr.json").read_text())
    assert classify(header).verdict != "confirmed"
    # test_score_web_connectivity_b64_incorrect: a body whose base64 does not decode is unscored
    body = json.loads((ROOT / "fastpath-testdata" / "web_connectivity_b64_incorrect.json").read_text())
    assert classify(body).verdict == "failure"
