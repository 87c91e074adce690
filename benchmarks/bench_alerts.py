"""Alert delivery with one slow receiver among N: do the others wait for it?

    python benchmarks/bench_alerts.py            # 20 receivers x 20 messages, one answers in 0.5 s
    python benchmarks/bench_alerts.py --quick    # 5 x 5, while developing

Every receiver is a real loopback HTTP server (a thread of this process) that answers 204; the slow
one sleeps before answering. The messages are queued straight into a fresh DuckDB ledger (one
webhook rule per receiver) and delivered by one :func:`netvigil.alert.deliver_due` round, which
claims each message in the store, posts it and records it — the whole path of the watch loop.

Prints one JSON line per run: workers (1 is the old serial delivery), the round's seconds, when
the last fast receiver had all its messages, and the fast receivers' deliveries per second; then
the same round with no slow receiver, for comparison. The issue's goal: one slow receiver holds up
no one else — with a pool, the fast receivers finish as if it were not there.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from netvigil.alert import DeliveryPolicy, deliver_due
from netvigil.model.alerts import AlertDelivery, AlertRule
from netvigil.store import open_store

GOAL = "one slow receiver holds up no one else: fast receivers done as if it were not there"


def emit(**fields: Any) -> None:
    """One JSON line."""
    print(json.dumps(fields), flush=True)


@contextmanager
def receiver(delay: float, arrivals: list[float]) -> Iterator[str]:
    """A loopback webhook receiver that sleeps ``delay`` s per request; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            time.sleep(delay)
            arrivals.append(time.monotonic())
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def run(receivers: int, messages: int, delay: float, workers: int, slow: bool) -> dict[str, Any]:
    """One delivery round; its figures."""
    arrivals: list[list[float]] = [[] for _ in range(receivers)]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        urls = [
            stack.enter_context(receiver(delay if slow and k == 0 else 0.0, arrivals[k]))
            for k in range(receivers)
        ]
        store = stack.enter_context(open_store(Path(tmp) / "bench.duckdb"))
        for k, url in enumerate(urls):
            store.alerts.add_rule(AlertRule(f"r{k}", f"r{k}", "webhook", url, created_at=k))
        store.alerts.enqueue(
            [
                AlertDelivery(f"r{k}", f"e{m:04d}", "started", json.dumps({"n": m}), "pending", 0, 0, 0)
                for k in range(receivers)
                for m in range(messages)
            ]
        )
        start = time.monotonic()
        report = deliver_due(store.alerts, DeliveryPolicy(workers=workers), now=1)
        seconds = time.monotonic() - start
    fast = arrivals[1:] if slow else arrivals
    fast_done = max(max(a) for a in fast) - start
    return {
        "benchmark": "alert_delivery",
        "workers": workers,
        "receivers": receivers,
        "messages": receivers * messages,
        "slow_receiver_delay_s": delay if slow else 0.0,
        "sent": report.sent,
        "seconds": round(seconds, 3),
        "fast_receivers_done_s": round(fast_done, 3),
        "fast_deliveries_per_s": round(sum(len(a) for a in fast) / fast_done, 1),
        "goal": GOAL,
    }


def main() -> None:
    """Parse the options and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--receivers", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20, help="messages per receiver")
    parser.add_argument("--delay", type=float, default=0.5, help="seconds the slow receiver sleeps")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="5 receivers x 5 messages")
    args = parser.parse_args()
    receivers, messages = (5, 5) if args.quick else (args.receivers, args.messages)
    emit(**run(receivers, messages, args.delay, 1, slow=True))
    emit(**run(receivers, messages, args.delay, args.workers, slow=True))
    emit(**run(receivers, messages, args.delay, args.workers, slow=False))


if __name__ == "__main__":
    main()
