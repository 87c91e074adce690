"""The lab's censor (run inside the censor namespace): the ISP resolver and a transparent middlebox.

Usage: python lab_censor.py WORKDIR. Rules are re-read from WORKDIR/rules.json on every query or
connection, so scenarios switch without restarting:

    {"dns": {"name": "nxdomain" | "<ipv4>"},
     "sni": {"name": "reset" | "mitm"},
     "http": {"host": "blockpage"}}

The resolver (port 53 on the censor's client-side address) forwards anything without a rule to the
real DNS server. TCP redirected here by nftables (port 8443 for TLS, 8080 for HTTP) is inspected
without being consumed (MSG_PEEK): a TLS ClientHello's SNI or an HTTP Host header decides whether
to reset the connection, present a certificate of a foreign CA, answer a block page, or pass the
bytes through to the original destination (SO_ORIGINAL_DST).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import sys
import threading
from pathlib import Path
from typing import Any

import dns.message
import dns.query
import dns.rcode
import dns.rrset

SO_ORIGINAL_DST = 80
BLOCK_PAGE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 83\r\nConnection: close\r\n\r\n"
    b"<html><head><title>Access denied</title></head><body>blocked by order</body></html>"
)


def rules(workdir: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((workdir / "rules.json").read_text()))
    except (OSError, ValueError):
        return {}


def serve_dns(workdir: Path, listen: str, upstream: str) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((listen, 53))

    def answer(data: bytes) -> bytes:
        query = dns.message.from_wire(data)
        name = query.question[0].name.to_text().rstrip(".").lower()
        action = rules(workdir).get("dns", {}).get(name)
        if action is None:
            return dns.query.udp(query, upstream, timeout=2).to_wire()
        response = dns.message.make_response(query)
        if action == "nxdomain":
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            response.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", action))
        return response.to_wire()

    def loop() -> None:
        while True:
            data, peer = sock.recvfrom(4096)
            try:
                sock.sendto(answer(data), peer)
            except Exception:
                continue

    threading.Thread(target=loop, daemon=True).start()


def sni_of(hello: bytes) -> str | None:
    """The server name of a TLS ClientHello record, if it has one."""
    try:
        if hello[0] != 0x16 or hello[5] != 0x01:
            return None
        pos = 9 + 2 + 32
        pos += 1 + hello[pos]
        pos += 2 + struct.unpack("!H", hello[pos : pos + 2])[0]
        pos += 1 + hello[pos]
        end = pos + 2 + struct.unpack("!H", hello[pos : pos + 2])[0]
        pos += 2
        while pos + 4 <= end:
            kind, length = struct.unpack("!HH", hello[pos : pos + 4])
            if kind == 0:
                name_len = struct.unpack("!H", hello[pos + 7 : pos + 9])[0]
                return hello[pos + 9 : pos + 9 + name_len].decode()
            pos += 4 + length
    except (IndexError, struct.error, UnicodeDecodeError):
        return None
    return None


def host_of(request: bytes) -> str | None:
    for line in request.split(b"\r\n")[1:]:
        if line.lower().startswith(b"host:"):
            return line[5:].strip().split(b":")[0].decode(errors="replace")
    return None


def original_dst(conn: socket.socket) -> tuple[str, int]:
    raw = conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    port = struct.unpack("!H", raw[2:4])[0]
    return socket.inet_ntoa(raw[4:8]), port


def reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def pipe(a: socket.socket, b: socket.socket) -> None:
    def one_way(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for end in (src, dst):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    threading.Thread(target=one_way, args=(a, b), daemon=True).start()
    one_way(b, a)


def handle(conn: socket.socket, workdir: Path, tls: bool, mitm: ssl.SSLContext) -> None:
    conn.settimeout(5)
    try:
        head = conn.recv(4096, socket.MSG_PEEK)
    except OSError:
        conn.close()
        return
    now = rules(workdir)
    name = sni_of(head) if tls else host_of(head)
    action = (now.get("sni" if tls else "http") or {}).get(name or "")
    if action == "reset":
        reset(conn)
        return
    if action == "mitm":
        try:
            mitm.wrap_socket(conn, server_side=True).close()
        except (OSError, ssl.SSLError):
            conn.close()
        return
    if action == "blockpage":
        conn.recv(len(head))
        conn.sendall(BLOCK_PAGE)
        conn.shutdown(socket.SHUT_WR)
        conn.close()
        return
    try:
        upstream = socket.create_connection(original_dst(conn), timeout=5)
    except OSError:
        reset(conn)
        return
    conn.settimeout(None)
    upstream.settimeout(None)
    pipe(conn, upstream)


def serve_proxy(port: int, workdir: Path, tls: bool, mitm: ssl.SSLContext) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(64)

    def loop() -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=handle, args=(conn, workdir, tls, mitm), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def main(workdir: Path) -> None:
    lab = json.loads((workdir / "lab.json").read_text())
    mitm = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    mitm.load_cert_chain(str(workdir / "foreign.pem"), str(workdir / "foreign.key"))
    serve_dns(workdir, lab["censor_dns_ip"], lab["dns_ip"])
    serve_proxy(8443, workdir, True, mitm)
    serve_proxy(8080, workdir, False, mitm)
    (workdir / "censor.ready").write_text("ok")
    threading.Event().wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
