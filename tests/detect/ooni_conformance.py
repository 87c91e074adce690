"""OONI's own verdicts on OONI's own measurements, as cases for netvigil's classifier.

Shared by tests/detect/test_ooni_conformance.py and benchmarks/conformance_ooni.py. The files are
copies of the peers' test data (tests/fixtures/PROVENANCE.md, section "conformance/ooni"):

* ``fastpath``: ooni/backend's fastpath unit-test measurements with the ``scores`` its
  test_unit.py asserts (anomaly = ``blocking_general > 0.5``, failure = ``accuracy < 0.5``,
  ``confirmed``), as fastpath's ``process_measurement`` turns them into flags;
* ``explorer``: OONI Explorer's recorded API answers: the raw measurement and OONI's flags;
* ``minipipeline``: probe-cli's hand-checked real web_connectivity cases (all not blocked);
* ``qa``: probe-cli's 50 simulated-censorship scenarios with the probe's ``blocking``/``accessible``;
* ``lte``: the webconnectivitylte PK measurement (ooni/probe#2517), expected ``blocking: dns``;
* ``spec``: the "Example output" measurements of OONI's test specifications (all accessible).

The peer's verdict is read with Explorer's precedence: confirmed > failure > anomaly > ok, and
compared with netvigil's as a whole (and the blocking type when both say blocked). Where OONI's
word is the probe's own ``blocking`` key (minipipeline, qa, lte), the comparison is the probe's:
blocked or not, and how — netvigil's ``confirmed`` is blocked; its ``failure`` (fastpath's
accuracy 0, e.g. an ``unknown_failure``) is not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1] / "fixtures" / "conformance" / "ooni"
WEB_BLOCKING = ("tcp_ip", "dns", "http-failure", "http-diff")


@dataclass(frozen=True)
class Case:
    """One measurement with OONI's verdict of it (and OONI's blocking type when it names one)."""

    suite: str
    name: str
    measurement: dict[str, Any]
    verdict: str
    blocking_type: str | None = None
    label: str = ""
    by_blocking: bool = False
    """Compare blocked-or-not and the blocking type (the probe's reading) instead of the verdict."""


BLOCKED = ("anomaly", "confirmed")


def agrees(case: Case, verdict: str, blocking_type: str | None) -> bool:
    """Whether netvigil's verdict and blocking type say what OONI says of ``case``."""
    if case.by_blocking:
        if case.verdict in BLOCKED:
            return verdict in BLOCKED and blocking_type == case.blocking_type
        return verdict not in BLOCKED
    if verdict != case.verdict:
        return False
    return verdict not in BLOCKED or case.blocking_type is None or blocking_type == case.blocking_type


def netvigil_label(verdict: str, blocking_type: str | None) -> str:
    """netvigil's verdict as a confusion-matrix row: ``anomaly:dns``, ``ok``, ``failure`` …"""
    return f"{verdict}:{blocking_type}" if verdict in BLOCKED and blocking_type else verdict


def flags_verdict(anomaly: bool, confirmed: bool, failure: bool) -> str:
    """OONI's three flags as one verdict, with Explorer's precedence."""
    if confirmed:
        return "confirmed"
    if failure:
        return "failure"
    return "anomaly" if anomaly else "ok"


def scores_verdict(scores: Mapping[str, Any]) -> str:
    """Fastpath's ``process_measurement``: scores → anomaly/confirmed/failure → one verdict."""
    anomaly = float(scores.get("blocking_general", 0.0)) > 0.5
    failure = float(scores.get("accuracy", 1.0)) < 0.5
    return flags_verdict(anomaly, bool(scores.get("confirmed", False)), failure)


def probe_verdict(test_keys: Mapping[str, Any]) -> tuple[str, str | None, str]:
    """Fastpath's reading of a web_connectivity probe's ``blocking``/``accessible``, and its label."""
    blocking, accessible = test_keys.get("blocking"), test_keys.get("accessible")
    label = f"blocking={json.dumps(blocking)},accessible={json.dumps(accessible)}"
    if blocking in WEB_BLOCKING:
        return "anomaly", blocking, label
    if blocking is False:
        return "ok", None, label
    return "failure", None, label


def fastpath_cases() -> Iterator[Case]:
    folder = ROOT / "fastpath-testdata"
    expected = json.loads((folder / "EXPECTED_fastpath_scores_from_test_unit.json").read_text())
    for name, entry in sorted(expected.items()):
        scores = entry["expected_scores"]
        kind = (scores.get("analysis") or {}).get("blocking_type")
        msm = json.loads((folder / f"{name}.json").read_text())
        yield Case("ooni-fastpath", name, msm, scores_verdict(scores), kind, entry["test"])


def explorer_cases() -> Iterator[Case]:
    for path in sorted((ROOT / "explorer-fixtures" / "measurement_meta").glob("*.json")):
        body = json.loads(json.loads(path.read_text())["body"])
        raw = body["raw_measurement"]
        msm = json.loads(raw) if isinstance(raw, str) else raw
        msm.setdefault("measurement_uid", body.get("measurement_uid"))
        verdict = flags_verdict(body["anomaly"], body["confirmed"], body["failure"])
        name = path.stem.removeprefix("measurement_meta__")[:80]
        yield Case("ooni-explorer", name, msm, verdict, None, f"{body['test_name']} {body['probe_cc']}")


def _probe_cases(suite: str, folder: str) -> Iterator[Case]:
    for path in sorted((ROOT / folder).glob("*/measurement.json")):
        msm = json.loads(path.read_text())
        verdict, kind, label = probe_verdict(msm["test_keys"])
        yield Case(suite, path.parent.name, msm, verdict, kind, label, by_blocking=True)


def lte_case() -> Iterator[Case]:
    path = next((ROOT / "probe-cli-webconnectivitylte").glob("*.jsonc"))
    text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("//"))
    keys = json.loads(text)
    msm = {
        "report_id": "",
        "test_name": "web_connectivity",
        "probe_cc": "PK",
        "probe_asn": "AS0",
        "measurement_start_time": "2023-07-06 18:38:40",
        "input": "https://www.facebook.com/",
        "test_keys": keys,
    }
    verdict, kind, label = probe_verdict({"blocking": "dns", "accessible": False})
    yield Case("ooni-lte", path.stem, msm, verdict, kind, label + " (ooni/probe#2517)", by_blocking=True)


def spec_cases() -> Iterator[Case]:
    for path in sorted((ROOT / "spec-examples").glob("*.json")):
        msm = json.loads(path.read_text())
        yield Case("ooni-spec", path.stem, msm, "ok", None, "spec example: accessible")


DOCUMENTED: dict[str, str] = {
    "measurement_uid-012019111898e81f78c44cf8689fa32f5d1cb664_full-true": (
        "Explorer's answer is from a 2019 fastpath: blocking and accessible are null "
        "(control json_parse_error), which today's fastpath (ooni/backend#610) and netvigil call failure"
    ),
}
"""Cases where netvigil's verdict differs from OONI's recorded one, and why (docs/design/ooni.md)."""


def all_cases() -> Iterator[Case]:
    """Every case of every suite, in a stable order."""
    yield from fastpath_cases()
    yield from explorer_cases()
    yield from _probe_cases("ooni-minipipeline", "probe-cli-minipipeline-manual")
    yield from _probe_cases("ooni-qa", "probe-cli-qa-generated")
    yield from lte_case()
    yield from spec_cases()


def measurement_lines() -> list[bytes]:
    """Every real OONI measurement of the fixtures as one compact JSON line each (fuzzing seeds)."""
    legacy = ROOT.parents[1] / "ooni" / "ooni_backend_fastpath_fixtures.jsonl"
    lines = legacy.read_bytes().splitlines()
    files = sorted(p for p in ROOT.glob("fastpath-testdata/*.json") if not p.name.startswith("EXPECTED"))
    files += sorted(ROOT.glob("probe-cli-*/*/measurement.json"))
    measurements = [json.loads(path.read_text()) for path in files]
    measurements += [case.measurement for case in explorer_cases()]
    return lines + [json.dumps(m, separators=(",", ":")).encode() for m in measurements]
