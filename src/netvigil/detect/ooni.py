"""One verdict per OONI measurement, following the rules of OONI's fastpath (ooni/backend).

Pure functions over a parsed measurement (any read-only ``Mapping``: a ``dict``, or the lazy
document of :func:`netvigil.sources.ooni.parse_line`, of which only the keys read here are
materialised); the one I/O is reading OONI's fingerprint lists once (:mod:`.ooni_fingerprints`).
The verdict is what OONI Explorer shows — ``confirmed`` (a known block page or blocking resolver
answer), ``failure`` (the measurement itself is broken, fastpath's ``accuracy < 0.5``),
``anomaly`` (fastpath's ``blocking_general > 0.5``) or ``ok`` — plus the blocking type, the
failure string and a short reason. Precedence when several hold: confirmed > failure > anomaly >
ok, as Explorer does. Every test fastpath scores has its rule here (web_connectivity, the four
messengers, tor, vanilla_tor, torsf, meek, psiphon, openvpn, riseupvpn, browser_web, dash, ndt,
tcp_connect, stunreachability, HHFM, HIRL, http_requests, dns_consistency); a test it does not
score is a ``failure``, as there.

Any JSON value is read defensively (an object where a list was expected is "absent"), so a
damaged measurement gets a verdict, never an exception.

netvigil's own probes add ``x_netvigil_blocking`` to ``test_keys`` (OONI uses ``x_`` for keys of
experimental meaning) when they see what OONI's keys cannot say: ``tls`` or ``throttling``. OONI's
tools ignore it; this classifier reads it. docs/design/ooni.md lists every difference.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from netvigil.detect.jsonview import as_array, as_object
from netvigil.detect.ooni_fingerprints import Fingerprint, dns_match, http_match, response_bodies_valid
from netvigil.model.measurements import BLOCKING_TYPES, BlockingType, Verdict, received_time_of_uid

WEB_BLOCKING_TYPES: Final[tuple[BlockingType, ...]] = ("tcp_ip", "dns", "http-failure", "http-diff")
_BLOCKING_BY_NAME: Final[dict[str, BlockingType]] = {name: name for name in BLOCKING_TYPES}
NETVIGIL_KEY: Final = "x_netvigil_blocking"
WRONG_DATE_AHEAD: Final = 3600
WRONG_DATE_BEHIND: Final = 31_536_000
"""Fastpath's ``flag_measurements_with_wrong_date``: a start time more than an hour after OONI
received the measurement, or more than a year before, makes it a failure."""

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


def _ok(reason: str, failure: str | None = None) -> Classification:
    return Classification("ok", None, failure, reason)


def _failed(reason: str, failure: str | None = None) -> Classification:
    return Classification("failure", None, failure, reason)


def _anomaly(blocking: BlockingType | None, failure: str | None, reason: str) -> Classification:
    return Classification("anomaly", blocking, failure, reason)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _keys(msm: Mapping[str, Any]) -> Mapping[str, Any]:
    return as_object(msm.get("test_keys"))


def _unknown_failure(tk: Mapping[str, Any]) -> str | None:
    for key in tk:  # keys first: values other than *_failure are never materialised
        if not isinstance(key, str) or not key.endswith("_failure"):
            continue
        value = tk[key]
        if isinstance(value, str) and value.startswith("unknown_failure"):
            return value
    return None


def _netvigil_blocking(tk: Mapping[str, Any]) -> Classification | None:
    kind = _BLOCKING_BY_NAME.get(str(tk.get(NETVIGIL_KEY)))
    if kind is not None:
        failure = _text(tk.get("failure")) or _text(tk.get("http_experiment_failure"))
        return _anomaly(kind, failure, f"netvigil probe: {kind}")
    return None


def _probe_cc(msm: Mapping[str, Any]) -> str:
    cc = msm.get("probe_cc")
    return cc.upper() if isinstance(cc, str) and len(cc) == 2 else "ZZ"


# -- web_connectivity ---------------------------------------------------------------------------
def _web_failure(tk: Mapping[str, Any]) -> str | None:
    for key in ("dns_experiment_failure", "http_experiment_failure", "control_failure"):
        value = tk.get(key)
        if isinstance(value, str):
            return value
    return _first_tcp_failure(tk)


def _web_fingerprint(msm: Mapping[str, Any], tk: Mapping[str, Any]) -> tuple[Fingerprint | None, str]:
    """The confirming fingerprint in DNS answers or HTTP responses, and where it was found.

    Response bodies are searched only when the probe did not call the page accessible
    (``blocking`` not ``false``): a page consistent with the control is no block page, and the
    search costs ~1 ms per body (docs/design/ooni.md).
    """
    cc = _probe_cc(msm)
    found = dns_match(cc, tk.get("queries"))
    if found is not None:
        return found, "dns"
    found = http_match(cc, tk.get("requests"), bodies=tk.get("blocking") is not False)
    return found, "http"


def _confirmed_web(
    tk: Mapping[str, Any], fp: Fingerprint, where: str, failure: str | None
) -> Classification:
    blocking = tk.get("blocking")
    kind: BlockingType
    if isinstance(blocking, str) and blocking in WEB_BLOCKING_TYPES:
        kind = _BLOCKING_BY_NAME[blocking]
    else:
        kind = "dns" if where == "dns" else "http-diff"
    reason = f"OONI fingerprint {fp.name} ({fp.scope}) in the {where} answer"
    return Classification("confirmed", kind, failure, reason)


def _web_unscored(tk: Mapping[str, Any], failure: str | None) -> Classification | None:
    """Fastpath's reasons to call a web_connectivity measurement broken (accuracy 0), if any holds."""
    if tk.get("title_match") not in (True, False, None):
        return _failed("title_match has an unexpected value", failure)
    unknown = _unknown_failure(tk)
    if unknown:
        return _failed("the probe hit an unknown failure", unknown)
    if "accessible" in tk and tk["accessible"] is None:
        return _failed("accessible is null: the control or the probe did not finish", failure)
    blocking = tk.get("blocking")
    if blocking is None:
        return _failed("blocking is null: the measurement is incomplete", failure)
    if blocking is not False and not (isinstance(blocking, str) and blocking in WEB_BLOCKING_TYPES):
        return _failed(f"unsupported blocking value {str(blocking)[:40]!r}", failure)
    return None


def classify_web_connectivity(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_web_connectivity``: the probe's ``blocking`` key plus OONI's fingerprints."""
    tk = msm.get("test_keys")
    if not isinstance(tk, Mapping):
        return _failed("test_keys is missing")
    failure = _web_failure(tk)
    if not response_bodies_valid(tk.get("requests")):
        return _failed("a base64 response body does not decode", failure)
    fingerprint, where = _web_fingerprint(msm, tk)
    if fingerprint is not None:
        return _confirmed_web(tk, fingerprint, where, failure)
    broken = _web_unscored(tk, failure)
    if broken:
        return broken
    own = _netvigil_blocking(tk)
    if own:
        return own
    blocking = tk.get("blocking")
    if isinstance(blocking, str):
        return _anomaly(_BLOCKING_BY_NAME[blocking], failure, f"probe reports {blocking} blocking")
    if tk.get("accessible") is False:
        return _ok("down for everyone: the control failed too", failure)
    return _ok("accessible, consistent with the control")


# -- messengers ---------------------------------------------------------------------------------
def _tcp_counts(tk: Mapping[str, Any]) -> tuple[int, int]:
    ok = bad = 0
    for entry in as_array(tk.get("tcp_connect")):
        success = as_object(as_object(entry).get("status")).get("success")
        if success is True:
            ok += 1
        elif success is False:
            bad += 1
    return ok, bad


def _first_tcp_failure(tk: Mapping[str, Any]) -> str | None:
    for entry in as_array(tk.get("tcp_connect")):
        failure = as_object(as_object(entry).get("status")).get("failure")
        if isinstance(failure, str):
            return failure
    return None


def _request_url(request: object) -> object:
    return as_object(as_object(request).get("request")).get("url")


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


def _whatsapp_requests(tk: Mapping[str, Any]) -> tuple[object, object, bool]:
    """The failures of the web app's and the registration server's requests, and whether both ran.

    The last request to each URL counts, as in fastpath's ``score_measurement_whatsapp``.
    """
    failures: dict[str, object] = {}
    for request in as_array(tk.get("requests")):
        url = _request_url(request)
        if url == WHATSAPP_WEB:
            failures[url] = as_object(request).get("failure", True)
        elif url == WHATSAPP_REGISTRATION:
            failures[url] = as_object(request).get("failure")
    both = WHATSAPP_WEB in failures and WHATSAPP_REGISTRATION in failures
    return failures.get(WHATSAPP_WEB, True), failures.get(WHATSAPP_REGISTRATION, True), both


def classify_whatsapp(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_measurement_whatsapp``: web app, registration server, then endpoints."""
    tk = _keys(msm)
    unknown = _unknown_failure(tk)
    web_failure = _text(tk.get("whatsapp_web_failure"))
    if web_failure and "unknown_failure 'ascii' co" in web_failure:
        return _failed("known probe bug in whatsapp_web_failure", web_failure)
    if not as_array(tk.get("requests")):
        return _failed("no HTTP requests recorded")
    web, registration, both = _whatsapp_requests(tk)
    if not both:
        return _failed("web app or registration server request missing")
    if unknown:
        return _failed("the probe hit an unknown failure", unknown)
    own = _netvigil_blocking(tk)
    if own:
        return own
    web_ok = web in (None, "", False)
    failure = next((f for f in (web, registration) if isinstance(f, str) and f), None)
    if not web_ok or registration is not None:
        which = "web.whatsapp.com" if not web_ok else "the registration server"
        return _anomaly(_blocking_of(tk, failure), failure, f"{which} failed")
    accessible, unreachable = _tcp_counts(tk)
    if not accessible and not unreachable:
        return _failed("no endpoint was tested")
    if accessible == 0:
        return _anomaly("tcp_ip", _first_tcp_failure(tk), "no WhatsApp endpoint accepted a connection")
    return _ok(f"web app, registration and {accessible} endpoints reachable")


TELEGRAM_WEB_URLS: Final = ("https://web.telegram.org/", "http://web.telegram.org/")


def classify_telegram(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_measurement_telegram``: DC connects + DC HTTP + web, anomaly above 0.5."""
    tk = _keys(msm)
    accessible, unreachable = _tcp_counts(tk)
    http_ok = http_bad = 0
    web_failure: str | None = None
    for request in as_array(tk.get("requests")):
        url = _request_url(request)
        if url is None:
            return _failed("a request without a URL (probe bug)")
        failure = as_object(request).get("failure")
        if url in TELEGRAM_WEB_URLS:
            web_failure = _text(failure) or web_failure
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
    for piece in str(text or "0").split(".")[:8]:
        digits = "".join(ch for ch in piece[:12] if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def is_netvigil(msm: Mapping[str, Any]) -> bool:
    """Whether netvigil's own probe made the measurement (OONI engine bug workarounds do not apply)."""
    return bool(as_object(msm.get("annotations")).get("engine_name") == "netvigil")


def _signal_known_bug(msm: Mapping[str, Any]) -> str | None:
    version = _version(msm.get("test_version", "0.0.0"))
    start = str(msm.get("measurement_start_time") or "")
    annotations = as_object(msm.get("annotations"))
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
    failure = _text(tk.get("signal_backend_failure")) or _text(tk.get("failure"))
    bug = _signal_known_bug(msm)
    if bug:
        return _failed(bug, failure)
    status = tk.get("signal_backend_status")
    real_failure = failure is not None and not failure.startswith("unknown_failure")
    netvigil_blocked = is_netvigil(msm) and status == "blocked" and real_failure
    if not netvigil_blocked and (tk.get("failed_operation", True) or tk.get("failure", True)):
        return _failed(f"the test failed (backend status {str(status)[:40]})", failure)
    own = _netvigil_blocking(tk)
    if own:
        return own
    if status == "ok":
        return _ok("Signal backend reachable")
    if status == "blocked":
        return _anomaly(_blocking_of(tk, failure), failure, "Signal backend blocked")
    return _failed(f"unexpected signal_backend_status {str(status)[:40]!r}", failure)


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


FACEBOOK_WORKAROUND_TRUE: Final = (*FACEBOOK_TRUE_KEYS[:6], "facebook_dns_blocking", *FACEBOOK_TRUE_KEYS[10:])
"""Fastpath's workaround: all of these true and ``facebook_tcp_blocking`` false scores 0."""


def classify_facebook_messenger(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_measurement_facebook_messenger``: 0.5 per inconsistent or blocked key."""
    tk = _keys(msm)
    own = _netvigil_blocking(tk)
    if own:
        return own
    bad = [k for k in FACEBOOK_TRUE_KEYS if tk.get(k) is False]
    flags = [k for k in ("facebook_tcp_blocking", "facebook_dns_blocking") if tk.get(k) is True]
    workaround = all(tk.get(k) is True for k in FACEBOOK_WORKAROUND_TRUE)
    workaround = workaround and tk.get("facebook_tcp_blocking") is False
    score = 0.0 if workaround else 0.5 * (len(bad) + len(flags))
    if score > 0.5:
        kind: BlockingType = "dns" if any("dns" in k for k in bad + flags) else "tcp_ip"
        reason = "inconsistent or unreachable: " + ", ".join(bad + flags)
        failure = _text(tk.get("failure")) or _first_tcp_failure(tk)
        return _anomaly(kind, failure, reason)
    return _ok("Facebook endpoints consistent and reachable")


# -- Tor and circumvention tools ----------------------------------------------------------------
def classify_tor(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_tor``: share of the targets that ran and failed, anomaly above half.

    A target's ``failure`` is ``null`` (success), a string (failed) or ``false`` (did not run);
    targets as a list (early experiments) or without ``failure``/``network_events`` are unscored.
    """
    targets = _keys(msm).get("targets")
    if not isinstance(targets, Mapping) or not targets:
        early = isinstance(targets, Sequence) and not isinstance(targets, str)
        return _failed("Tor targets as a list (early test)" if early else "no Tor targets")
    blocked = success = 0
    first: str | None = None
    for name in targets:  # not .values(): a lazy document's values() materialises everything
        target = as_object(targets[name])
        if "failure" not in target or "network_events" not in target:
            return _failed("a Tor target without failure or network_events")
        failure = target["failure"]
        if failure is None:
            success += 1
        elif isinstance(failure, str) and failure:
            blocked += 1
            first = first or failure
        elif failure is not False:
            return _failed("a Tor target with an empty or odd failure")
    if not blocked + success:
        return _failed("no Tor target ran")
    if blocked / (blocked + success) > 0.5:
        return _anomaly(_blocking_of({}, first), first, f"{blocked} of {blocked + success} targets failed")
    return _ok(f"{success} of {blocked + success} Tor targets reachable")


TOR_DONE: Final = ("Bootstrapped 100%: Done", "Bootstrapped 100% (done): Done")


def _tor_progress(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        progress = float(value)
    except ValueError:
        return None
    return min(100.0, max(0.0, progress)) if not math.isnan(progress) else None


def classify_vanilla_tor(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_vanilla_tor``: Tor bootstrapped to 100 % or not (score 1 − 0.004 × progress)."""
    tk = _keys(msm)
    logs = tk.get("tor_logs") or tk.get("tor_log")
    if logs is None:
        return _failed("no Tor log")
    if isinstance(logs, str | Sequence) and any(done in logs for done in TOR_DONE):
        return _ok("Tor bootstrapped (100 %)")
    progress = _tor_progress(tk.get("tor_progress", 0))
    if progress is None:
        return _failed("tor_progress is not a number")
    if progress == 100:
        return _ok("Tor bootstrapped (100 %)")
    failure = _text(tk.get("failure"))
    return _anomaly(None, failure, f"Tor bootstrap stopped at {progress:g} %")


def classify_torsf(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_torsf``: Tor over Snowflake failed or not (ooniprobe-android 3.8.3 unscored)."""
    name, version = msm.get("software_name", "unknown"), msm.get("software_version", "unknown")
    if version == "3.8.3" and isinstance(name, str) and name.startswith("ooniprobe-android"):
        return _failed("ooniprobe-android 3.8.3 reports torsf wrongly (ooni/backend#383)")
    failure = _keys(msm).get("failure")
    if failure:
        return _anomaly(None, _text(failure), "Tor over Snowflake failed")
    return _ok("Tor over Snowflake bootstrapped")


def _server_header(response: Mapping[str, Any]) -> object:
    headers = response.get("headers", {})
    if isinstance(headers, Sequence) and not isinstance(headers, str):
        for entry in headers:
            pair = as_array(entry)
            if len(pair) == 2 and pair[0] == "Server":
                return next(iter(as_array(pair[1])), None)
        return None
    return as_object(headers).get("Server", "")


def classify_meek(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_meek_fronted_requests_test``: every fronted request must get 200 from ``ECAcc``.

    A failed request is an anomaly at once; each answer from another server adds 0.5.
    """
    requests = as_array(_keys(msm).get("requests"))
    if not requests:
        return _failed("no fronted request recorded")
    score = 0.0
    for request in requests:
        response = as_object(request).get("response", {})
        if response is None:
            failure = _text(as_object(request).get("failure"))
            return _anomaly("http-failure", failure, "a fronted request failed")
        code = as_object(response).get("code", 0)
        if code != 200:
            return _anomaly("http-failure", None, f"a fronted request got HTTP {str(code)[:12]}")
        server = _server_header(as_object(response))
        if not (isinstance(server, str) and server.startswith("ECAcc ")):
            score += 0.5
    if score > 0.5:
        return _anomaly("http-diff", None, "fronted answers came from an unexpected server")
    return _ok("meek front reachable")


def classify_psiphon(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_psiphon``: bootstrap failure is an anomaly; no ``resolver_ip`` is unscored."""
    tk = _keys(msm)
    failure = tk.get("failure")
    if "resolver_ip" not in msm:
        return _failed("resolver_ip is missing", _text(failure))
    if failure is not None:
        return _anomaly(None, _text(failure), "Psiphon failed to bootstrap or to fetch")
    if not tk.get("bootstrap_time", 0):
        return _failed("success without a bootstrap time")
    return _ok("Psiphon bootstrapped")


def classify_openvpn(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_openvpn``: ``success`` false is an anomaly, missing is unscored."""
    success = _keys(msm).get("success")
    if success is False:
        return _anomaly(None, _text(_keys(msm).get("failure")), "OpenVPN handshake or tunnel failed")
    if success is None:
        return _failed("success is missing")
    return _ok("OpenVPN tunnel worked")


def _unscored(test: str, why: str) -> Callable[[Mapping[str, Any]], Classification]:
    def rule(msm: Mapping[str, Any]) -> Classification:
        return _ok(f"OONI does not score {test}: {why}")

    rule.__doc__ = f"Fastpath gives {test} no anomaly and no failure: {why}."
    return rule


def classify_browser_web(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_browser_web``: the browser's own ``result`` (ok / error)."""
    result = _keys(msm).get("result", "")
    if result == "ok":
        return _ok("the browser loaded the page")
    if result == "error":
        return _anomaly(None, None, "the browser failed to load the page")
    return _failed("result is neither ok nor error")


DASH_NETWORK_FAILURES: Final = frozenset(
    {
        "connection_aborted",
        "json_parse_error",
        "eof_error",
        "json_processing_error",
        "http_request_failed",
        "connect_error",
        "generic_timeout_error",
        "broken_pipe",
        "connection_refused",
    }
)


def classify_dash(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_dash``: no failure is ok; any failure makes the measurement unscored."""
    tk = _keys(msm)
    if not tk:
        return _failed("test_keys is empty")
    failure = tk.get("failure")
    if failure is None:
        return _ok("the video stream played")
    text = _text(failure)
    if text in DASH_NETWORK_FAILURES or (text and "ssl_error" in text):
        return _failed("the stream failed (fastpath scores 0.1, not an anomaly)", text)
    return _failed("probe error", text)


TCP_CONNECT_FAILURES: Final = frozenset(
    {"generic_timeout_error", "connection_refused_error", "connect_error", "tcp_timed_out_error"}
)


def classify_tcp_connect(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_tcp_connect``: any ``connection`` other than success is an anomaly."""
    if not msm.get("input"):
        return _failed("tcp_connect without input")
    result = _keys(msm).get("connection")
    if result == "success":
        return _ok("connected")
    return _anomaly("tcp_ip", _text(result), "the connection failed")


def classify_stunreachability(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_stunreachability``: a failure is an anomaly."""
    failure = _keys(msm).get("failure")
    if failure:
        return _anomaly(None, _text(failure), "the STUN server did not answer")
    return _ok("the STUN server answered")


# -- middlebox tests ----------------------------------------------------------------------------
def _pairs(value: object) -> set[tuple[str, str]]:
    """``{name: value}`` or ``{name: [value, …]}`` as (name, first value) pairs, all text."""
    out: set[tuple[str, str]] = set()
    headers = as_object(value)
    for name in headers:
        item = headers[name]
        first = item[0] if isinstance(item, Sequence) and item and not isinstance(item, str) else item
        out.add((str(name), first if isinstance(first, str) else json.dumps(first, default=str)))
    return out


def classify_http_header_field_manipulation(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_measurement_hhfm``: the headers the helper saw must be the headers sent."""
    requests = as_array(_keys(msm).get("requests"))
    first = as_object(requests[0]) if requests else None
    response = first.get("response", {}) if first is not None else None
    if first is None or response is None or not isinstance(response, Mapping):
        return _failed("no response from the test helper")
    body = response.get("body")
    if body is None:
        return _anomaly("http-diff", None, "the helper's answer has an empty body")
    try:
        echoed = json.loads(body)["headers_dict"] if isinstance(body, str) else None
    except (ValueError, TypeError, KeyError):
        echoed = None
    if not isinstance(echoed, Mapping):
        return _anomaly("http-diff", None, "the helper's answer is not the expected JSON")
    seen = _pairs(echoed) - {("Connection", "close")}
    sent = _pairs(as_object(first.get("request")).get("headers")) - {("Connection", "close")}
    if seen == sent:
        return _ok("headers arrived unchanged")
    return _anomaly("http-diff", None, f"{len(seen ^ sent)} header(s) changed on the way")


def classify_http_invalid_request_line(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's rule: any difference between what was sent and what was echoed is tampering."""
    tk = _keys(msm)
    sent, received = as_array(tk.get("sent")), as_array(tk.get("received"))
    if not sent and not received:
        return _failed("nothing sent or received")
    if any(s != r for s, r in zip(sent, received, strict=False)):
        return _anomaly("http-diff", None, "a middlebox changed the invalid request line")
    return _ok("request lines echoed unchanged")


def _over_tor(request: object) -> bool:
    return bool(as_object(as_object(as_object(request).get("request")).get("tor")).get("is_tor"))


def classify_http_requests(msm: Mapping[str, Any]) -> Classification:
    """Fastpath's ``score_http_requests`` (legacy): body length and headers match, plus fingerprints."""
    tk = _keys(msm)
    direct = [r for r in as_array(tk.get("requests")) if not _over_tor(r)]
    fingerprint = http_match(_probe_cc(msm), direct)
    lengths, headers = tk.get("body_length_match"), tk.get("headers_match")
    if fingerprint is not None:
        reason = f"OONI fingerprint {fingerprint.name} ({fingerprint.scope})"
        return Classification("confirmed", "http-diff", None, reason)
    if msm.get("control_failure") or msm.get("experiment_failure") or lengths is None or headers is None:
        return _failed("the control or the experiment failed")
    if not (lengths and headers):
        return _anomaly("http-diff", None, "body length or headers differ from the control")
    return _ok("consistent with the control")


Rule = Callable[[Mapping[str, Any]], Classification]

CLASSIFIERS: Final[dict[str, Rule]] = {
    "web_connectivity": classify_web_connectivity,
    "whatsapp": classify_whatsapp,
    "telegram": classify_telegram,
    "signal": classify_signal,
    "facebook_messenger": classify_facebook_messenger,
    "tor": classify_tor,
    "vanilla_tor": classify_vanilla_tor,
    "torsf": classify_torsf,
    "psiphon": classify_psiphon,
    "openvpn": classify_openvpn,
    "http_invalid_request_line": classify_http_invalid_request_line,
}
"""The tests netvigil follows: the services and circumvention tools whose reachability matters in a
shutdown (``pipeline.reachability``), and the ones OONI's backfill is asked for (``sources.ooni_api``)."""

OTHER_TEST_RULES: Final[dict[str, Rule]] = {
    "meek_fronted_requests_test": classify_meek,
    "riseupvpn": _unscored("riseupvpn", "scoring disabled in 2023 (ooni/backend#745)"),
    "browser_web": classify_browser_web,
    "dash": classify_dash,
    "ndt": _unscored("ndt", "a speed test, not a blocking test"),
    "dns_consistency": _unscored("dns_consistency", "legacy test, never scored"),
    "tcp_connect": classify_tcp_connect,
    "stunreachability": classify_stunreachability,
    "http_header_field_manipulation": classify_http_header_field_manipulation,
    "http_requests": classify_http_requests,
}
"""The other tests OONI's fastpath scores: imported and stored with OONI's reading, not fetched."""

RULES: Final[dict[str, Rule]] = {**CLASSIFIERS, **OTHER_TEST_RULES}


def _wrong_date(msm: Mapping[str, Any]) -> str | None:
    """Fastpath's ``flag_measurements_with_wrong_date``: a start time implausible for its uid's time."""
    received = received_time_of_uid(msm.get("measurement_uid"))
    start = msm.get("measurement_start_time")
    if received is None or not isinstance(start, str):
        return None
    try:
        started = datetime.strptime(start, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None
    if received - started < -WRONG_DATE_AHEAD:
        return "measurement start time from the future"
    if received - started > WRONG_DATE_BEHIND:
        return "measurement start time more than a year before it was received"
    return None


def classify(msm: Mapping[str, Any]) -> Classification:
    """The verdict of one measurement; a test netvigil has no rules for is a ``failure`` (unscored)."""
    rule = RULES.get(str(msm.get("test_name")))
    if rule is None:
        return _failed(f"no rules for test {str(msm.get('test_name'))[:60]!r}")
    result = rule(msm)
    wrong = _wrong_date(msm) if result.verdict in ("ok", "anomaly") else None
    return Classification("failure", None, result.failure, wrong) if wrong else result


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
