"""Network steps against real loopback servers (no root needed): failures are OONI strings, not raises."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import trustme

from netvigil.probe.reachability.control import QuietHTTPServer, control_measure
from netvigil.probe.reachability.netx import NetConfig, Trace, http_get, is_bogon, resolve, tcp_connect

LOOP = NetConfig(timeout=2.0, allowed_networks=("127.0.0.0/8",))


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><head><title>Hello lab</title></head><body>hi</body></html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Lab", "1")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def _serve(tls: ssl.SSLContext | None = None) -> tuple[QuietHTTPServer, int]:
    server = QuietHTTPServer(("127.0.0.1", 0), Hello)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, int(server.server_address[1])


@pytest.fixture
def plain() -> Iterator[int]:
    server, port = _serve()
    yield port
    server.shutdown()


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[int, str, str]]:
    ca, other = trustme.CA(), trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server, port = _serve(context)
    good, bad = tmp_path / "ca.pem", tmp_path / "other.pem"
    ca.cert_pem.write_to_path(str(good))
    other.cert_pem.write_to_path(str(bad))
    yield port, str(good), str(bad)
    server.shutdown()


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def test_http_ok_records_every_step(plain: int) -> None:
    trace = Trace()
    result = http_get(f"http://127.0.0.1:{plain}/", LOOP, trace)
    assert (result.failure, result.status) == (None, 200)
    assert trace.tcp_connect[0]["status"] == {"success": True, "failure": None, "blocked": False}
    assert trace.requests[0]["response"]["code"] == 200


def test_refused_is_data_not_an_exception() -> None:
    trace = Trace()
    result = http_get(f"http://127.0.0.1:{_closed_port()}/", LOOP, trace)
    assert (result.failure, result.operation) == ("connection_refused", "connect")
    assert trace.requests[0]["failure"] == "connection_refused"


def test_tls_verification_failures(tls_site: tuple[int, str, str]) -> None:
    port, good, bad = tls_site
    ok = http_get(f"https://127.0.0.1:{port}/", NetConfig(ca_bundle=good, timeout=2), Trace())
    assert ok.failure is None and b"Hello lab" in ok.body
    foreign = http_get(f"https://127.0.0.1:{port}/", NetConfig(ca_bundle=bad, timeout=2), Trace())
    assert (foreign.failure, foreign.operation) == ("ssl_unknown_authority", "tls_handshake")


def test_tcp_connect_and_bogons() -> None:
    sock, failure = tcp_connect("127.0.0.1", _closed_port(), LOOP, Trace())
    assert sock is None and failure == "connection_refused"
    assert is_bogon("10.10.34.36") and not is_bogon("8.8.8.8")
    assert not is_bogon("10.77.2.1", ("10.77.0.0/16",))
    assert resolve("127.0.0.1", LOOP, Trace()) == (["127.0.0.1"], None)


def test_control_measure_answers_like_ooni_helper(plain: int) -> None:
    answer = control_measure({"http_request": f"http://127.0.0.1:{plain}/", "tcp_connect": []}, LOOP)
    assert answer["dns"] == {"failure": None, "addrs": ["127.0.0.1"]}
    assert answer["tcp_connect"] == {f"127.0.0.1:{plain}": {"status": True, "failure": None}}
    assert answer["http_request"]["status_code"] == 200 and answer["http_request"]["title"] == "Hello lab"
    with pytest.raises(ValueError):
        control_measure({"http_request": "ftp://x/"}, LOOP)
