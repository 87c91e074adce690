"""Fuzz the HTTP API on a real loopback server: submitted measurements and every GET parameter.

A store is made in a temporary folder (the Monash Hurricane Laura signals, tokens with the scopes
submit and admin) and served by ``netvigil serve`` on 127.0.0.1 with the rate limits and the cache
off. Then, seeded:

- every other case POSTs /api/v1/measurements bodies made from the real OONI measurements in
  tests/fixtures/ooni/ooni_backend_fastpath_fixtures.jsonl (lines under 100 KB): a field of the
  envelope or of ``test_keys`` replaced by a hostile value (huge numbers, NaN, 5000 digits, deep
  nesting, booleans, lone surrogates, bad dates …), or the bytes mutated
  (benchmarks/fuzz_mutations.py), sent alone, in a list or as ``{"measurements": [...]}``;
- the other half GET a route of the published OpenAPI (every GET operation, the admin ones with
  the admin token) with one to three of its parameters set to hostile values
  (``at=99999999999999999999``, negative, ``NaN``, ``1e400``, 10,000 characters, NUL …).

A crash is an HTTP 500 (or a dropped connection); a hang is a request past ``--timeout``. The
server's log is searched for tracebacks at the end ("server_tracebacks").

    python benchmarks/fuzz_api.py                # 20,000 cases: >= 10,000 for each part (the goal)
    python benchmarks/fuzz_api.py --cases 500    # quick

Prints one JSON line per part (measurements, query parameters) and one for the whole run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from fuzz_mutations import Tally, mutate

ROOT = Path(__file__).resolve().parent.parent
NETVIGIL = Path(sys.executable).parent / "netvigil"
OONI = ROOT / "tests/fixtures/ooni/ooni_backend_fastpath_fixtures.jsonl"
SIGNALS = ROOT / "tests/fixtures/signals/monash_hurricane_laura_2020.csv"
PLACEHOLDER: Final = '"\\u0000__HOSTILE__"'
HOSTILE_JSON: Final = (
    "9" * 400,
    "1" * 5000,
    "1e400",
    "-1e400",
    "-1",
    "NaN",
    "Infinity",
    "true",
    "false",
    "null",
    "[]",
    "{}",
    "[" * 1000 + "]" * 1000,
    "[" * 70 + "]" * 70,
    '{"a":' * 65 + "1" + "}" * 65,
    '"\\ud800"',
    '"0000-00-00 00:00:00"',
    '"9999-12-31 23:59:59"',
    '"0001-01-01 00:00:00"',
    '"2022-13-45 99:99:99"',
    '"' + "x" * 100_000 + '"',
    '"AS' + "9" * 40 + '"',
    '"ZZ"',
    '""',
    "18446744073709551616",
    "[1, 2, 3]",
    '{"requests": "x", "queries": 5, "tcp_connect": [1]}',
)
HOSTILE_QUERY: Final = (
    "99999999999999999999",
    "-99999999999999",
    "9" * 5000,
    "-1",
    "0",
    "1",
    "NaN",
    "nan",
    "inf",
    "1e400",
    "1e10",
    "",
    "x" * 10_000,
    "\x00",
    "\ud7ff\u202e",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "2022-01-05T10:35:00Z",
    "2022-01-05T10:35:00",
    "country:KZ",
    "country:ZZ",
    "asn:4294967296",
    "true",
    "csv",
    "json",
    "percent",
    "%",
    "[]",
)
VALID: Final = {"entity": "country:KZ", "q": "kaz", "country": "KZ", "event_id": "none", "rule_id": "none"}


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run(*args: str) -> str:
    """A netvigil command's standard output (it must succeed)."""
    return subprocess.run([str(NETVIGIL), *args], check=True, capture_output=True, text=True).stdout


@contextmanager
def server(work: Path) -> Iterator[tuple[int, dict[str, str], Path]]:
    """``netvigil serve`` on a fresh store: its port, a token per scope and its log file."""
    db = work / "fuzz.duckdb"
    run("ingest", "signals", str(SIGNALS), "--db", str(db))
    tokens = {
        scope: run("token", "create", f"fuzz-{scope}", "--scope", scope, "--db", str(db)).split()[-1]
        for scope in ("submit", "admin")
    }
    port = free_port()
    log = work / "serve.log"
    settings = ["rate_limit_per_minute=0", "write_rate_limit_per_minute=0", "cache_seconds=0"]
    command = [str(NETVIGIL), "serve", "--db", str(db), "--port", str(port)]
    for setting in settings:
        command += ["-s", setting]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(port, process)
        yield port, tokens, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    """Poll /api/v1/health until it answers (or the server exits)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("netvigil serve did not come up; see its log")


class Client:
    """One keep-alive connection, reopened after an error."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def _exchange(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        self.connection.request(method, url, body=body, headers=headers)
        response = self.connection.getresponse()
        return response, response.read()

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[str, str]:
        """The case's outcome: ``status_NNN``, ``crash`` (500 or a dropped connection) or ``hang``."""
        try:
            try:
                response, text = self._exchange(method, url, body, headers)
            except (ConnectionError, http.client.RemoteDisconnected):
                self.connection = None  # the server may close a kept-alive connection: retry once
                response, text = self._exchange(method, url, body, headers)
        except TimeoutError:
            self.connection = None
            return "hang", f"{method} {url[:200]}: no answer within {self.timeout} s"
        except (OSError, http.client.HTTPException) as exc:
            self.connection = None
            return "crash", f"{method} {url[:200]}: {exc!r}"
        if response.status >= 500:
            sent = (body or b"")[:200]
            return "crash", f"{method} {url[:200]} body {sent!r}: {response.status} {text[:300]!r}"
        return f"status_{response.status}", ""


def measurement_seeds() -> list[dict[str, Any]]:
    """The real OONI measurements under 100 KB."""
    lines = OONI.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if len(line) < 100_000]


def _field_paths(measurement: dict[str, Any]) -> list[tuple[str, ...]]:
    paths = [(key,) for key in measurement]
    keys = measurement.get("test_keys")
    if isinstance(keys, dict):
        paths += [("test_keys", key) for key in keys]
    return [*paths, ("measurement_start_time",), ("test_keys",), ("probe_cc",), ("input",)]


def hostile_body(seeds: list[dict[str, Any]], rng: random.Random) -> bytes:
    """A submission made from a real measurement with one field hostile, or its bytes mutated."""
    measurement = json.loads(json.dumps(rng.choice(seeds)))
    path = rng.choice(_field_paths(measurement))
    target = measurement
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "\x00__HOSTILE__"
    shapes: list[Any] = [measurement, [measurement], {"measurements": [measurement]}]
    document = rng.choice(shapes)
    text = json.dumps(document).replace(PLACEHOLDER, rng.choice(HOSTILE_JSON))
    data = text.encode("utf-8", "surrogatepass")
    return mutate(data, rng) if rng.random() < 0.3 else data


def get_operations(port: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every GET operation of the published OpenAPI with its parameters."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/api/v1/openapi.json")
    spec = json.loads(connection.getresponse().read())
    found = []
    for path, item in spec["paths"].items():
        found += [(path, op.get("parameters", [])) for method, op in item.items() if method == "get"]
    return found


def _in_query(parameters: list[dict[str, Any]], name: str) -> bool:
    return any(p["name"] == name and p["in"] == "query" for p in parameters)


def hostile_query(operation: tuple[str, list[dict[str, Any]]], rng: random.Random) -> str:
    """The operation's URL with one to three parameters hostile and the rest valid or absent."""
    path, parameters = operation
    chosen = rng.sample(parameters, k=min(len(parameters), rng.randint(1, 3))) if parameters else []
    hostile = {p["name"]: rng.choice(HOSTILE_QUERY) for p in chosen}
    for parameter in parameters:
        name = parameter["name"]
        if parameter["in"] == "path":
            value = hostile.get(name, VALID.get(name, "x"))
            path = path.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
    query = [(name, value) for name, value in hostile.items() if _in_query(parameters, name)]
    query += [
        (p["name"], VALID[p["name"]])
        for p in parameters
        if p.get("required") and p["in"] == "query" and p["name"] not in hostile and p["name"] in VALID
    ]
    encoded = urllib.parse.urlencode(query, encoding="utf-8", errors="surrogatepass")
    return f"{path}?{encoded}" if encoded else path


def main() -> None:
    """Run the cases and print the JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=int, default=20_000, help="Cases in all, half per part (default 20,000)."
    )
    parser.add_argument("--seed", type=int, default=16, help="Random seed (default 16).")
    parser.add_argument("--timeout", type=float, default=30.0, help="Seconds per request before a hang.")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    seeds = measurement_seeds()
    posts, gets = Tally("api_measurements_post"), Tally("api_query_parameters")
    with tempfile.TemporaryDirectory(prefix="fuzz-api-") as tmp, server(Path(tmp)) as (port, tokens, log):
        operations = get_operations(port)
        client = Client(port, args.timeout)
        submit = {"Authorization": f"Bearer {tokens['submit']}", "Content-Type": "application/json"}
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        for case in range(args.cases):
            if case % 2 == 0:
                posts.count(*client.send("POST", "/api/v1/measurements", hostile_body(seeds, rng), submit))
            else:
                url = hostile_query(rng.choice(operations), rng)
                gets.count(*client.send("GET", url, None, admin if "/alerts" in url else {}))
        tracebacks = log.read_text("utf-8", "replace").count("Traceback")
    for tally in (posts, gets):
        print(json.dumps(tally.line()), flush=True)
    whole = {
        "parser": "api",
        "cases": posts.cases + gets.cases,
        "crashes": posts.crashes + gets.crashes,
        "hangs": posts.hangs + gets.hangs,
        "server_tracebacks": tracebacks,
        "get_operations": len(operations),
        "seconds": round(max(posts.line()["seconds"], gets.line()["seconds"]), 1),
        "goal": "0 HTTP 500s, 0 tracebacks and 0 hangs over >= 10,000 cases (issue 16, item 9)",
    }
    print(json.dumps(whole), flush=True)


if __name__ == "__main__":
    main()
