"""A minimal observatory endpoint for the uploader test: POST /api/v1/measurements into a real store.

Usage: python lab_receiver.py HOST PORT DB TOKEN. Answers slowly (0.2 s) so a test can cut the
link while an upload is under way; logs every POST's outcome to stdout.
"""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from netvigil.pipeline.measurements import submit_measurements
from netvigil.probe.reachability.control import QuietHTTPServer
from netvigil.store import open_store


def main(host: str, port: int, db: str, token: str) -> None:
    store = open_store(db)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {token}":
                self._send(401, {"error": "bad token"})
                return
            items = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            time.sleep(0.2)
            result = submit_measurements(store, items, int(time.time()), source="upload")
            print(json.dumps({"accepted": result.accepted, "duplicates": result.duplicates}), flush=True)
            self._send(200, result.to_json())

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = QuietHTTPServer((host, port), Handler)
    print("ready", flush=True)
    try:
        server.serve_forever()
    finally:
        store.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
