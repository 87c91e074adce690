"""The lab's server side (run inside the servers namespace): DNS, HTTPS/HTTP sites, messenger-like
endpoints and a block-page server. Usage: python lab_servers.py WORKDIR (reads WORKDIR/lab.json).
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from netvigil.probe.reachability.control import QuietHTTPServer

BODY_BYTES = 100_000


def page(host: str, size: int = BODY_BYTES) -> bytes:
    filler = ("lorem ipsum " * (size // 12 + 1))[:size]
    return f"<html><head><title>{host} home</title></head><body>{filler}</body></html>".encode()


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0]
        body = page(host)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Lab-Site", host)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_POST(self) -> None:
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return


class BlockPageHandler(SiteHandler):
    def do_GET(self) -> None:
        body = b"<html><head><title>Access denied</title></head><body>blocked by order</body></html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


class TLSServer(QuietHTTPServer):
    """Handshakes in the request's own thread, so one silent client cannot stall the others."""

    tls: ssl.SSLContext | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is not None:
            request.settimeout(5)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                request.close()
                return
        super().finish_request(request, client_address)


def serve_http(ip: str, port: int, handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None) -> None:
    server = TLSServer((ip, port), handler)
    server.tls = tls
    threading.Thread(target=server.serve_forever, daemon=True).start()


def serve_tcp(ip: str, port: int) -> None:
    class Accept(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.close()

    server = socketserver.ThreadingTCPServer((ip, port), Accept)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()


def dns_answer(zone: dict[str, str], data: bytes) -> bytes:
    query = dns.message.from_wire(data)
    response = dns.message.make_response(query)
    name = query.question[0].name.to_text().rstrip(".").lower()
    address = zone.get(name)
    if address is None:
        wildcard = "*." + name.split(".", 1)[-1]
        address = zone.get(wildcard)
    if address is None:
        response.set_rcode(dns.rcode.NXDOMAIN)
    elif query.question[0].rdtype == dns.rdatatype.A:
        response.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", address))
    return response.to_wire()


def serve_dns(ip: str, zone: dict[str, str]) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ip, 53))

    def loop() -> None:
        while True:
            data, peer = sock.recvfrom(4096)
            try:
                sock.sendto(dns_answer(zone, data), peer)
            except Exception:
                continue

    threading.Thread(target=loop, daemon=True).start()


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


def main(workdir: Path) -> None:
    lab = json.loads((workdir / "lab.json").read_text())
    sites_tls = tls_context(workdir / "server.pem", workdir / "server.key")
    blockpage_tls = tls_context(workdir / "blockpage.pem", workdir / "blockpage.key")
    serve_dns(lab["dns_ip"], lab["zone"])
    for ip in lab["https_sites"]:
        serve_http(ip, 443, SiteHandler, sites_tls)
        serve_http(ip, 80, SiteHandler, None)
    for ip in lab["plain_http_on_443"]:
        serve_http(ip, 443, SiteHandler, None)
        serve_http(ip, 80, SiteHandler, None)
    for ip, port in lab["tcp_only"]:
        serve_tcp(ip, port)
    serve_http(lab["blockpage_ip"], 443, BlockPageHandler, blockpage_tls)
    serve_http(lab["blockpage_ip"], 80, BlockPageHandler, None)
    (workdir / "servers.ready").write_text("ok")
    threading.Event().wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
