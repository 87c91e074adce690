"""A loopback replay of ClickHouse's HTTP interface, answered by embedded ClickHouse (chdb).

There is no ClickHouse server on a test machine, so the store's ``clickhouse://`` path
(clickhouse-connect) is tested against this: a Starlette app on
:class:`~netvigil.sim.services.ServiceHarness` that does what the server's HTTP handler does for
the requests clickhouse-connect makes —

- the statement is the URL's ``query`` parameter followed by the body; an ``INSERT … FORMAT F``
  (in the URL, or as the body's first line, as clickhouse-connect sends it) takes the rest of
  the body as its rows, in format F;
- ``database`` selects the database, ``default_format`` is the output format when the statement
  has no ``FORMAT`` clause (TabSeparated otherwise), and any other parameter that is not part of
  the HTTP protocol is a setting for this statement;
- the answer is the engine's own output in the format asked for (chdb writes every ClickHouse
  format, Native and RowBinary included), with the headers clients read
  (``X-ClickHouse-Format``, ``X-ClickHouse-Timezone``, ``X-ClickHouse-Summary``); an error is
  HTTP 500 with ClickHouse's ``Code: N. DB::Exception: …`` text and ``X-ClickHouse-Exception-Code``.

Rows of an insert are written to a file and read with ``file()``, since chdb takes statements,
not streams. chdb serves one directory per process, so while a replay runs this process cannot
open a chdb store on another directory.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
from pathlib import Path
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from netvigil.sim.services import ServiceHarness

# Parameters of the HTTP protocol itself; every other URL parameter is a setting.
_PROTOCOL_PARAMS: Final = frozenset(
    {
        "query", "database", "default_format", "query_id", "session_id", "session_timeout",
        "session_check", "compress", "decompress", "user", "password", "quota_key",
        "wait_end_of_query", "buffer_size", "enable_http_compression", "client_protocol_version",
        "http_headers_progress_interval_ms", "send_progress_in_http_headers", "role",
    }
)  # fmt: skip
_INSERT: Final = re.compile(
    r"^\s*INSERT\s+INTO\s+(?P<table>[`\w.]+)\s*(?:\((?P<columns>[^)]*)\))?\s*FORMAT\s+(?P<fmt>\w+)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_FORMAT_CLAUSE: Final = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
_CODE: Final = re.compile(r"Code:\s*(\d+)")
_SETTING_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class ClickHouseReplay:
    """ClickHouse's HTTP interface on loopback, backed by a chdb session on ``path``."""

    def __init__(self, path: Path) -> None:
        from chdb import session as chdb_session  # noqa: PLC0415 - only the replay needs chdb

        sessions: Any = chdb_session  # chdb ships no type hints
        self.path = path
        self._session: Any = sessions.Session(str(path))
        self._lock = threading.Lock()
        self._spool = Path(tempfile.mkdtemp(prefix="ch-replay-", dir=path.parent))
        self.harness = ServiceHarness(Starlette(routes=[Route("/", self._handle, methods=["GET", "POST"])]))

    def start(self) -> ClickHouseReplay:
        """Serve on a free loopback port."""
        self.harness.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the chdb session."""
        self.harness.stop()
        self._session.close()

    def url(self, database: str) -> str:
        """A ``clickhouse://`` URL for ``database`` on this replay."""
        return "clickhouse://" + self.harness.base_url.removeprefix("http://") + f"/{database}"

    async def _handle(self, request: Request) -> Response:
        params = dict(request.query_params)
        body = await request.body()
        try:
            content, fmt = self._run(params, body)
        except RuntimeError as exc:  # chdb's errors
            text = str(exc).strip()
            code = _CODE.search(text)
            return Response(
                f"{text}\n".encode(),
                status_code=500,
                headers={"X-ClickHouse-Exception-Code": code.group(1) if code else "1001"},
            )
        headers = {
            "X-ClickHouse-Format": fmt,
            "X-ClickHouse-Timezone": "UTC",
            "X-ClickHouse-Server-Display-Name": "netvigil-replay",
            "X-ClickHouse-Query-Id": params.get("query_id", ""),
            "X-ClickHouse-Summary": json.dumps({"read_rows": "0", "written_rows": "0"}),
        }
        return Response(content, headers=headers)

    def _run(self, params: dict[str, str], body: bytes) -> tuple[bytes, str]:
        """Run one request's statement; returns the output and its format."""
        query = params.get("query", "")
        if not query:
            first, _, rest = body.partition(b"\n")
            if _INSERT.match(first.decode("utf-8", "replace")):
                query, body = first.decode(), rest
        insert = _INSERT.match(query) if query else None
        settings = [
            f"SET {name} = {_quoted(value)}"
            for name, value in params.items()
            if name not in _PROTOCOL_PARAMS and _SETTING_NAME.match(name)
        ]
        with self._lock:
            database = params.get("database")
            self._session.query(f"USE `{database}`" if database else "USE default", "Null")
            for statement in settings:
                self._session.query(statement, "Null")
            if insert is not None:
                self._insert(insert, body)
                return b"", "TabSeparated"
            statement = f"{query}\n{body.decode()}" if query and body else (query or body.decode())
            clause = _FORMAT_CLAUSE.search(statement)
            fmt = clause.group(1) if clause else params.get("default_format", "TabSeparated")
            result = self._session.query(statement, fmt)
            return bytes(result.bytes()), fmt

    def _insert(self, insert: re.Match[str], body: bytes) -> None:
        """Write the body's rows into the table through a spool file."""
        with tempfile.NamedTemporaryFile(dir=self._spool, suffix=".rows", delete=False) as spool:
            spool.write(body)
        try:
            columns = insert.group("columns")
            names = f"({columns})" if columns else ""
            select = columns or "*"
            self._session.query(
                f"INSERT INTO {insert.group('table')} {names} SELECT {select} "
                f"FROM file({_quoted(spool.name)}, {insert.group('fmt')})",
                "Null",
            )
        finally:
            Path(spool.name).unlink()
