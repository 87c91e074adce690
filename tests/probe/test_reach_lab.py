"""The censorship lab: named scenarios, each asserting the exact verdict and failure string.

Real packets between network namespaces the test makes (see lab.py); needs root, so CI (root)
runs it and an unprivileged run skips it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from netvigil.detect.ooni import classify

pytestmark = [
    pytest.mark.root,
    pytest.mark.netns,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces"),
    pytest.mark.skipif(shutil.which("nft") is None or shutil.which("tc") is None, reason="needs nft and tc"),
]

from tests.probe.lab import SERVERS, Lab  # noqa: E402

TARGET = SERVERS["blocked"]
HTTPS = "https://blocked.example.lab/"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    made = Lab(tmp_path_factory.mktemp("lab"))
    try:
        yield made.up()
    finally:
        made.down()


@dataclass(frozen=True)
class Scenario:
    name: str
    url: str
    verdict: str
    blocking: str | None
    failure: str | None
    rules: dict[str, dict[str, str]] = field(default_factory=dict)
    forward: tuple[str, ...] = ()
    prerouting: tuple[str, ...] = ()
    throttle: str | None = None


REDIRECT_TLS = f'iifname "r0" ip daddr {TARGET} tcp dport 443 redirect to :8443'
SCENARIOS = [
    Scenario("all_fine", HTTPS, "ok", None, None),
    Scenario("dns_bogon_injection", HTTPS, "confirmed", "dns", "dns_bogon_error",
             rules={"dns": {"blocked.example.lab": "10.10.34.36"}}),
    Scenario("dns_wrong_address", HTTPS, "anomaly", "dns", "ssl_invalid_hostname",
             rules={"dns": {"blocked.example.lab": SERVERS["blockpage"]}}),
    Scenario("nxdomain", HTTPS, "anomaly", "dns", "dns_nxdomain_error",
             rules={"dns": {"blocked.example.lab": "nxdomain"}}),
    Scenario("tcp_blackhole", HTTPS, "anomaly", "tcp_ip", "generic_timeout_error",
             forward=(f"ip daddr {TARGET} tcp dport 443 drop",)),
    Scenario("tcp_reset", HTTPS, "anomaly", "tcp_ip", "connection_refused",
             forward=(f"ip daddr {TARGET} tcp dport 443 reject with tcp reset",)),
    Scenario("tls_reset_on_sni", HTTPS, "anomaly", "tls", "connection_reset",
             rules={"sni": {"blocked.example.lab": "reset"}}, prerouting=(REDIRECT_TLS,)),
    Scenario("tls_mitm_foreign_ca", HTTPS, "anomaly", "tls", "ssl_unknown_authority",
             rules={"sni": {"blocked.example.lab": "mitm"}}, prerouting=(REDIRECT_TLS,)),
    Scenario("http_block_page", "http://blocked.example.lab/", "anomaly", "http-diff", None,
             rules={"http": {"blocked.example.lab": "blockpage"}},
             prerouting=(f"iifname \"r0\" ip daddr {TARGET} tcp dport 80 redirect to :8080",)),
    Scenario("throttling_one_destination", HTTPS, "anomaly", "throttling", None, throttle=TARGET),
    Scenario("site_down_for_everyone", "https://down.example.lab/", "ok", None, "connection_refused"),
]  # fmt: skip


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_web_connectivity_scenario(lab: Lab, scenario: Scenario) -> None:
    lab.reset()
    lab.set_rules(scenario.rules)
    lab.set_nft(forward=list(scenario.forward), prerouting=list(scenario.prerouting))
    lab.set_throttle(scenario.throttle)
    (measurement,) = lab.probe("web", [scenario.url])
    assert measurement["test_name"] == "web_connectivity"
    assert measurement["probe_cc"] == "KZ" and measurement["input"] == scenario.url
    got = classify(measurement)
    assert (got.verdict, got.blocking_type, got.failure) == (
        scenario.verdict,
        scenario.blocking,
        scenario.failure,
    ), got.reason


def test_messengers_all_fine(lab: Lab) -> None:
    lab.reset()
    measurements = lab.probe("whatsapp,telegram,signal,facebook_messenger")
    assert [m["test_name"] for m in measurements] == ["whatsapp", "telegram", "signal", "facebook_messenger"]
    for measurement in measurements:
        got = classify(measurement)
        assert (got.verdict, got.failure) == ("ok", None), (measurement["test_name"], got)


def test_whatsapp_tls_reset_on_web_sni(lab: Lab) -> None:
    lab.reset()
    lab.set_rules({"sni": {"web.whatsapp.com": "reset"}})
    lab.set_nft(prerouting=[f'iifname "r0" ip daddr {SERVERS["whatsapp"]} tcp dport 443 redirect to :8443'])
    (measurement,) = lab.probe("whatsapp")
    keys = measurement["test_keys"]
    assert keys["whatsapp_web_status"] == "blocked" and keys["registration_server_status"] == "ok"
    got = classify(measurement)
    assert (got.verdict, got.blocking_type, got.failure) == ("anomaly", "tls", "connection_reset")


def test_telegram_data_centres_blackholed(lab: Lab) -> None:
    lab.reset()
    lab.set_nft(forward=[f"ip daddr {SERVERS['telegram_dc']} drop"])
    (measurement,) = lab.probe("telegram")
    assert measurement["test_keys"]["telegram_tcp_blocking"] is True
    got = classify(measurement)
    assert (got.verdict, got.blocking_type, got.failure) == ("anomaly", "tcp_ip", "generic_timeout_error")


def test_signal_mitm(lab: Lab) -> None:
    lab.reset()
    lab.set_rules({"sni": {"textsecure-service.whispersystems.org": "mitm"}})
    lab.set_nft(prerouting=[f'iifname "r0" ip daddr {SERVERS["signal"]} tcp dport 443 redirect to :8443'])
    (measurement,) = lab.probe("signal")
    got = classify(measurement)
    assert (got.verdict, got.blocking_type, got.failure) == ("anomaly", "tls", "ssl_unknown_authority"), (
        got.reason
    )


def test_facebook_messenger_dns_blocked(lab: Lab) -> None:
    lab.reset()
    lab.set_rules({"dns": {"b-api.facebook.com": "nxdomain", "b-graph.facebook.com": "nxdomain"}})
    (measurement,) = lab.probe("facebook")
    assert measurement["test_keys"]["facebook_b_api_dns_consistent"] is False
    got = classify(measurement)
    assert (got.verdict, got.blocking_type, got.failure) == ("anomaly", "dns", "dns_nxdomain_error")
