"""One verdict per OONI measurement, following the rules of OONI's fastpath (ooni/backend).

Pure functions over a parsed measurement (any read-only ``Mapping``: a ``dict``, or the lazy
document of :func:`netvigil.sources.ooni.parse_line`, of which only the keys read here are
materialised): no I/O. The verdict is what OONI Explorer
shows — ``confirmed`` (a known block page or blocking resolver answer), ``failure`` (the
measurement itself is broken, fastpath's ``accuracy < 0.5``), ``anomaly`` (fastpath's
``blocking_general > 0.5``) or ``ok`` — plus the blocking type, the failure string and a short
reason. Precedence when several hold: confirmed > failure > anomaly > ok, as Explorer does.

netvigil's own probes add ``x_netvigil_blocking`` to ``test_keys`` (OONI uses ``x_`` for keys of
experimental meaning) when they see what OONI's keys cannot say: ``tls`` or ``throttling``. OONI's
tools ignore it; this classifier reads it. docs/design/ooni.md lists every difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from netvigil.model.measurements import BLOCKING_TYPES, BlockingType, Verdict

WEB_BLOCKING_TYPES: Final[tuple[BlockingType, ...]] = ("tcp_ip", "dns", "http-failure", "http-diff")
_BLOCKING_BY_NAME: Final[dict[str, BlockingType]] = {name: name for name in BLOCKING_TYPES}
NETVIGIL_KEY: Final = "x_netvigil_blocking"

# Resolver answers that are block pages of a whole country's or ISP's censorship (fastpath's DNS
# fingerprints of scope "nat"/"isp"; the Iranian 10.10.34.x sinkhole is the best known one).
DNS_BLOCKPAGE_ADDRESSES: Final[frozenset[str]] = frozenset(
    {"10.10.34.34", "10.10.34.35", "10.10.34.36", "10.10.34.37", "10.10.34.38", "146.112.61.106"}
)

_OPERATION_TO_BLOCKING: Final[dict[str, BlockingType]] = {
    "resolve": "dns",
    "connect": "tcp_ip",
    "tls_handshake": "tls",
    "http_round_trip": "http-failure",
    "read": "http-failure",
    "write": "http-failure",
}


@dataclass(frozen=True, slots=True)
class Classification:
    """The verdict of one measurement (see the module docstring for the meaning of each field)."""

    verdict: Verdict
    blocking_type: BlockingType | None
    failure: str | None
    reason: str


def _ok(reason: str) -> Classification:
    return Classification("ok", None, None, reason)


def _failed(reason: str, failure: str | None = None) -> Classification:
    return Classification("failure", None, failure, reason)


def _anomaly(blocking: BlockingType | None, failure: str | None, reason: str) -> Classification:
    return Classification("anomaly", blocking, failure, reason)


def _keys(msm: Mapping[str, Any]) -> Mapping[str, Any]:
    tk = msm.get("test_keys")
    return tk if isinstance(tk, Mapping) else {}


def _unknown_failure(tk: Mapping[str, Any]) -> str | None:
    for key in tk:  # keys first: values other than *_failure are never materialised
        if not key.endswith("_failure"):
            continue
        value = tk[key]
        if isinstance(value, str) and value.startswith("unknown_failure"):
            return value
    return None


def _netvigil_blocking(tk: Mapping[str, Any]) -> Classification | None:
    kind = _BLOCKING_BY_NAME.get(str(tk.get(NETVIGIL_KEY)))
    if kind is not None:
        failure = tk.get("failure") or tk.get("http_experiment_failure")
        return _anomaly(kind, failure if isinstance(failure, str) else None, f"netvigil probe: {kind}")
    return None


# -- web_connectivity ---------------------------------------------------------------------------
def _dns_answers(tk: Mapping[str, Any]) -> Iterable[str]:
    for query in tk.get("queries") or ():
        for answer in (query or {}).get("answers") or ():
            address = (answer or {}).get("ipv4") or (answer or {}).get("ipv6")
            if isinstance(address, str):
                yield address


def _web_failure(tk: Mapping[str, Any]) -> str | None:
    for key in ("dns_experiment_failure", "http_experiment_failure", "control_failure"):
        value = tk.get(key)
        if isinstance(value, str):
            return value
    for entry in tk.get("tcp_connect") or ():
        failure = ((entry or {}).get("status") or {}).get("failure")
        if isinstance(failure, str):
            return failure
    return None


def classify_web_connectivity(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_web_connectivity``: the probe's ``blocking`` key plus DNS fingerprints."""
    tk = msm.get("test_keys")
    if not isinstance(tk, Mapping):
        return _failed("test_keys is missing")
    failure = _web_failure(tk)
    confirmed = sorted(set(_dns_answers(tk)) & DNS_BLOCKPAGE_ADDRESSES)
    if confirmed:
        return Classification("confirmed", "dns", failure, f"resolver answered block page {confirmed[0]}")
    if tk.get("title_match") not in (True, False, None):
        return _failed("title_match has an unexpected value", failure)
    unknown = _unknown_failure(tk)
    if unknown:
        return _failed("the probe hit an unknown failure", unknown)
    if "accessible" in tk and tk["accessible"] is None:
        return _failed("accessible is null: the control or the probe did not finish", failure)
    own = _netvigil_blocking(tk)
    if own:
        return own
    blocking = tk.get("blocking")
    if blocking in WEB_BLOCKING_TYPES:
        return _anomaly(_BLOCKING_BY_NAME[blocking], failure, f"probe reports {blocking} blocking")
    if blocking is False and tk.get("accessible") is False:
        return Classification("ok", None, failure, "down for everyone: the control failed too")
    if blocking is False:
        return _ok("accessible, consistent with the control")
    if blocking is None:
        return _failed("blocking is null: the measurement is incomplete", failure)
    return _failed(f"unsupported blocking value {blocking!r}", failure)


# -- messengers ---------------------------------------------------------------------------------
def _tcp_counts(tk: Mapping[str, Any]) -> tuple[int, int]:
    ok = bad = 0
    for entry in tk.get("tcp_connect") or ():
        success = ((entry or {}).get("status") or {}).get("success")
        if success is True:
            ok += 1
        elif success is False:
            bad += 1
    return ok, bad


def _first_tcp_failure(tk: Mapping[str, Any]) -> str | None:
    for entry in tk.get("tcp_connect") or ():
        failure = ((entry or {}).get("status") or {}).get("failure")
        if isinstance(failure, str):
            return failure
    return None


def _request_failures(tk: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for request in tk.get("requests") or ():
        url = ((request or {}).get("request") or {}).get("url")
        if isinstance(url, str) and url not in out:
            out[url] = (request or {}).get("failure", True)
    return out


def _blocking_of(tk: Mapping[str, Any], failure: str | None) -> BlockingType:
    operation = tk.get("failed_operation")
    if isinstance(operation, str):
        for prefix, kind in _OPERATION_TO_BLOCKING.items():
            if operation.startswith(prefix) or operation.endswith(prefix):
                return kind
    if failure and (failure.startswith("ssl_") or "tls" in failure):
        return "tls"
    if failure and failure.startswith("dns_"):
        return "dns"
    return "tcp_ip" if _tcp_counts(tk)[1] else "http-failure"


WHATSAPP_WEB: Final = "https://web.whatsapp.com/"
WHATSAPP_REGISTRATION: Final = "https://v.whatsapp.net/v2/register"


def classify_whatsapp(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_measurement_whatsapp``: web app, registration server, then endpoints."""
    tk = _keys(msm)
    unknown = _unknown_failure(tk)
    web_failure = tk.get("whatsapp_web_failure")
    if isinstance(web_failure, str) and "unknown_failure 'ascii' co" in web_failure:
        return _failed("known probe bug in whatsapp_web_failure", web_failure)
    requests = _request_failures(tk)
    if not requests:
        return _failed("no HTTP requests recorded")
    if WHATSAPP_WEB not in requests or WHATSAPP_REGISTRATION not in requests:
        return _failed("web app or registration server request missing")
    web, registration = requests[WHATSAPP_WEB], requests[WHATSAPP_REGISTRATION]
    own = _netvigil_blocking(tk)
    if own:
        return own
    web_ok = web in (None, "", False)
    registration_ok = registration is None
    failure = next((f for f in (web, registration) if isinstance(f, str)), None)
    if not web_ok or not registration_ok:
        which = "web.whatsapp.com" if not web_ok else "the registration server"
        return _anomaly(_blocking_of(tk, failure), failure, f"{which} failed")
    accessible, unreachable = _tcp_counts(tk)
    if unknown:
        return _failed("the probe hit an unknown failure", unknown)
    if not accessible and not unreachable:
        return _failed("no endpoint was tested")
    if accessible == 0:
        failure = _first_tcp_failure(tk)
        return _anomaly("tcp_ip", failure, "no WhatsApp endpoint accepted a connection")
    return _ok(f"web app, registration and {accessible} endpoints reachable")


TELEGRAM_WEB_URLS: Final = ("https://web.telegram.org/", "http://web.telegram.org/")


def classify_telegram(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_measurement_telegram``: DC connects + DC HTTP + web, anomaly above 0.5."""
    tk = _keys(msm)
    accessible, unreachable = _tcp_counts(tk)
    http_ok = http_bad = 0
    web_failure: str | None = None
    for request in tk.get("requests") or ():
        url = ((request or {}).get("request") or {}).get("url")
        if url is None:
            return _failed("a request without a URL (probe bug)")
        failure = (request or {}).get("failure")
        if url in TELEGRAM_WEB_URLS:
            web_failure = failure if isinstance(failure, str) else web_failure
        elif failure is None:
            http_ok += 1
        else:
            http_bad += 1
    score = unreachable / (accessible + unreachable) if accessible + unreachable else 0.5
    score += http_bad / (http_ok + http_bad) if http_ok + http_bad else 0.5
    score += 1.0 if tk.get("telegram_web_status") == "blocked" else 0.0
    own = _netvigil_blocking(tk)
    if own:
        return own
    if score > 0.5:
        failure = web_failure or _first_tcp_failure(tk)
        kind: BlockingType
        if tk.get("telegram_tcp_blocking") is True or (unreachable and not accessible):
            kind = "tcp_ip"
        elif web_failure and tk.get("telegram_web_status") == "blocked":
            kind = _blocking_of({}, web_failure)
        else:
            kind = "http-failure"
        return _anomaly(kind, failure, f"blocking score {score:.2f} > 0.5")
    return _ok(f"{accessible} of {accessible + unreachable} data centres reachable")


def _version(text: object) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in str(text or "0").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def is_netvigil(msm: Mapping[str, Any]) -> bool:
    """Whether netvigil's own probe made the measurement (OONI engine bug workarounds do not apply)."""
    return bool((msm.get("annotations") or {}).get("engine_name") == "netvigil")


def _signal_known_bug(msm: Mapping[str, Any]) -> str | None:
    version = _version(msm.get("test_version", "0.0.0"))
    start = str(msm.get("measurement_start_time") or "")
    annotations = msm.get("annotations") or {}
    engine = (999,) if is_netvigil(msm) else _version(annotations.get("engine_version", "0.0.0"))
    if not start:
        return "measurement_start_time missing"
    if version == (0, 2, 4):
        return "signal 0.2.4 is known to be broken (ooni/probe#2636)"
    if version <= (0, 2, 3) and start >= "2023-11-07":
        return "signal <= 0.2.3 after 2023-11-07 (ooni/probe#2627)"
    if version < (0, 2, 2) and start >= "2022-10-19":
        return "signal < 0.2.2 after 2022-10-19 (expired certificate pin)"
    if engine < (3, 17, 2) and start >= "2023-05-02":
        return "engine < 3.17.2 after 2023-05-02 (ooni/backend#679)"
    return None


def classify_signal(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_signal``: backend status, discounting test versions with known bugs."""
    tk = _keys(msm)
    failure = tk.get("signal_backend_failure") or tk.get("failure")
    failure = failure if isinstance(failure, str) else None
    bug = _signal_known_bug(msm)
    if bug:
        return _failed(bug, failure)
    status = tk.get("signal_backend_status")
    real_failure = failure is not None and not failure.startswith("unknown_failure")
    netvigil_blocked = is_netvigil(msm) and status == "blocked" and real_failure
    if not netvigil_blocked and (tk.get("failed_operation", True) or tk.get("failure", True)):
        return _failed(f"the test failed (backend status {status})", failure)
    own = _netvigil_blocking(tk)
    if own:
        return own
    if status == "ok":
        return _ok("Signal backend reachable")
    if status == "blocked":
        return _anomaly(_blocking_of(tk, failure), failure, "Signal backend blocked")
    return _failed(f"unexpected signal_backend_status {status!r}", failure)


FACEBOOK_TRUE_KEYS: Final = (
    "facebook_b_api_dns_consistent",
    "facebook_b_api_reachable",
    "facebook_b_graph_dns_consistent",
    "facebook_b_graph_reachable",
    "facebook_edge_dns_consistent",
    "facebook_edge_reachable",
    "facebook_external_cdn_dns_consistent",
    "facebook_external_cdn_reachable",
    "facebook_scontent_cdn_dns_consistent",
    "facebook_scontent_cdn_reachable",
    "facebook_star_dns_consistent",
    "facebook_star_reachable",
    "facebook_stun_dns_consistent",
)


def classify_facebook_messenger(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_measurement_facebook_messenger``: 0.5 per inconsistent or blocked key."""
    tk = _keys(msm)
    own = _netvigil_blocking(tk)
    if own:
        return own
    bad = [k for k in FACEBOOK_TRUE_KEYS if tk.get(k) is False]
    flags = [k for k in ("facebook_tcp_blocking", "facebook_dns_blocking") if tk.get(k) is True]
    workaround = all(tk.get(k) is True for k in FACEBOOK_TRUE_KEYS[:6] + FACEBOOK_TRUE_KEYS[10:]) and (
        tk.get("facebook_tcp_blocking") is False
    )
    score = 0.0 if workaround else 0.5 * (len(bad) + len(flags))
    if score > 0.5:
        kind: BlockingType = "dns" if any("dns" in k for k in bad + flags) else "tcp_ip"
        reason = "inconsistent or unreachable: " + ", ".join(bad + flags)
        failure = tk.get("failure") if isinstance(tk.get("failure"), str) else _first_tcp_failure(tk)
        return _anomaly(kind, failure, reason)
    return _ok("Facebook endpoints consistent and reachable")


def classify_tor(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_tor``: share of targets that failed, anomaly above half."""
    targets = _keys(msm).get("targets")
    if not isinstance(targets, Mapping) or not targets:
        return _failed("no Tor targets")
    blocked = success = 0
    first: str | None = None
    for name in targets:  # not .values(): a lazy document's values() materialises everything
        failure = (targets[name] or {}).get("failure", False)
        if failure is None:
            success += 1
        elif isinstance(failure, str) and failure:
            blocked += 1
            first = first or failure
    if not blocked + success:
        return _failed("no Tor target ran")
    if blocked / (blocked + success) > 0.5:
        return _anomaly(_blocking_of({}, first), first, f"{blocked} of {blocked + success} targets failed")
    return _ok(f"{success} of {blocked + success} Tor targets reachable")


def classify_http_invalid_request_line(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's rule: any difference between what was sent and what was echoed is tampering."""
    tk = _keys(msm)
    sent, received = tk.get("sent") or [], tk.get("received") or []
    if not sent and not received:
        return _failed("nothing sent or received")
    if any(s != r for s, r in zip(sent, received, strict=False)):
        return _anomaly("http-diff", None, "a middlebox changed the invalid request line")
    return _ok("request lines echoed unchanged")


CLASSIFIERS: Final[dict[str, Callable[[Mapping[str, Any]], Classification]]] = {
    "web_connectivity": classify_web_connectivity,
    "whatsapp": classify_whatsapp,
    "telegram": classify_telegram,
    "signal": classify_signal,
    "facebook_messenger": classify_facebook_messenger,
    "tor": classify_tor,
    "http_invalid_request_line": classify_http_invalid_request_line,
}


def classify(msm: Mapping[str, Any]) -> Classification:
    """The verdict of one measurement; a test netvigil has no rules for is a ``failure`` (unscored)."""
    rule = CLASSIFIERS.get(str(msm.get("test_name")))
    if rule is None:
        return _failed(f"no rules for test {msm.get('test_name')!r}")
    return rule(msm)


def verdict_json(msm: Mapping[str, Any], result: Classification | None = None) -> dict[str, Any]:
    """The one-line verdict of ``netvigil ooni classify`` (same fields for every test)."""
    result = result or classify(msm)
    return {
        "measurement_uid": msm.get("measurement_uid"),
        "report_id": msm.get("report_id"),
        "test_name": msm.get("test_name"),
        "probe_cc": msm.get("probe_cc"),
        "probe_asn": msm.get("probe_asn"),
        "input": msm.get("input"),
        "verdict": result.verdict,
        "blocking_type": result.blocking_type,
        "failure": result.failure,
        "reason": result.reason,
    }
