"""The control: the same DNS/TCP/HTTP steps for a URL, run from outside the censored network.

It speaks the request/response shape of OONI's web-connectivity test helper (v0.4 ``oohelperd``),
so a web_connectivity result can be compared step by step: a step that fails for the probe but
works for the control is censorship; one that fails for both is a site that is down.
"""

from __future__ import annotations

import http.client
import json
import re
import socketserver
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from netvigil.probe.reachability.netx import NetConfig, Trace, failure_of, http_get, resolve, tcp_connect

_TITLE = re.compile(rb"<title[^>]*>([^<]{1,256})", re.IGNORECASE)
MAX_REQUEST = 1 << 16


def title_of(body: bytes) -> str:
    """The HTML ``<title>`` of a body, or an empty string."""
    match = _TITLE.search(body)
    return match.group(1).decode("utf-8", errors="replace").strip() if match else ""


def _endpoint(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def control_measure(request: dict[str, Any], net: NetConfig) -> dict[str, Any]:
    """Run DNS, the requested TCP connects and the HTTP request, answering like OONI's helper."""
    url = str(request.get("http_request") or "")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"http_request must be an http(s) URL, got {url!r}")
    trace = Trace()
    addrs, dns_failure = resolve(parts.hostname, net, trace)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    wanted = [str(e) for e in request.get("tcp_connect") or []] or [f"{a}:{port}" for a in addrs]
    tcp: dict[str, Any] = {}
    for endpoint in wanted[:8]:
        ip, eport = _endpoint(endpoint)
        sock, failure = tcp_connect(ip, eport, net, trace)
        if sock is not None:
            sock.close()
        tcp[endpoint] = {"status": failure is None, "failure": failure}
    result = http_get(url, net, trace, addresses=addrs if not dns_failure else None)
    return {
        "tcp_connect": tcp,
        "http_request": {
            "body_length": len(result.body) if result.failure is None else -1,
            "failure": result.failure,
            "title": title_of(result.body),
            "headers": result.headers,
            "status_code": result.status if result.failure is None else -1,
        },
        "dns": {"failure": dns_failure, "addrs": addrs},
    }


class QuietHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that skips the reverse-DNS lookup of its own address when binding."""

    daemon_threads = True

    def server_bind(self) -> None:
        """Bind without ``socket.getfqdn`` (which can hang for seconds where DNS is unreachable)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])


def make_server(host: str, port: int, net: NetConfig) -> ThreadingHTTPServer:
    """A threaded HTTP server answering ``POST /`` with :func:`control_measure` (JSON in, JSON out)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "netvigil-control/0.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                if not 0 < length <= MAX_REQUEST:
                    raise ValueError("a JSON body of at most 64 KiB is expected")
                body = control_measure(json.loads(self.rfile.read(length)), net)
                self._send(200, body)
            except (ValueError, TypeError, KeyError) as exc:
                self._send(400, {"error": str(exc)})

        def do_GET(self) -> None:
            self._send(200, {"service": "netvigil control", "usage": "POST / with an OONI TH request"})

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return QuietHTTPServer((host, port), Handler)


def ask_control(
    control_url: str, request: dict[str, Any], net: NetConfig
) -> tuple[dict[str, Any] | None, str | None]:
    """POST ``request`` to a control server; returns (response, failure)."""
    parts = urlsplit(control_url)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname or "", parts.port, timeout=net.timeout * 4)
    try:
        conn.request("POST", parts.path or "/", json.dumps(request), {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            return None, "http_request_failed"
        return json.loads(data), None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return None, failure_of(exc)
    finally:
        conn.close()
