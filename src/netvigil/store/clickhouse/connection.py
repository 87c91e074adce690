"""The two ways to reach ClickHouse, behind one small protocol: embedded (chdb) and a server (HTTP).

Both speak the same SQL (:mod:`netvigil.store.clickhouse.sql` renders values into it), read results
as JSONCompact (rows) or ArrowStream (frames), and insert Arrow tables, so the SQL tested on chdb
is the SQL that ships to a server. Errors of chdb and clickhouse-connect become
:class:`~netvigil.model.errors.StoreError` here, once, the only place either library is called.

chdb runs one embedded ClickHouse server per process, bound to one directory: a second directory
cannot be opened while the first is open (:class:`ChdbConnection` refuses it in one clear
sentence), the same directory can (the sessions share the server), and after the last close
another directory can be opened.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

import pyarrow as pa

from netvigil.model.errors import ConfigError, StoreError

ENV_USER: Final = "NETVIGIL_CLICKHOUSE_USER"
ENV_PASSWORD: Final = "NETVIGIL_CLICKHOUSE_PASSWORD"
_ERRNO: Final = re.compile(r"\[Errno -?\d+\] ([^'\"()]+)")  # the OS's words in a driver's error
_DATABASE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Every query runs with these: integers as JSON numbers, text as Arrow strings, lists of keys in
# the SQL text up to 16 MiB, FINAL merging within a partition only (every key lies in one partition).
SETTINGS: Final[dict[str, int]] = {
    "output_format_json_quote_64bit_integers": 0,
    "output_format_arrow_string_as_string": 1,
    "output_format_arrow_low_cardinality_as_dictionary": 0,
    "max_query_size": 16 * 2**20,
    "do_not_merge_across_partitions_select_final": 1,
}


class Connection(Protocol):
    """One way to reach ClickHouse: run SQL, get results in a named format, insert an Arrow table.

    ``exclusive`` says whether this process is the store's only writer (chdb: one process per
    directory), so that what it derived from a table stays true until its own next commit.
    """

    where: str
    exclusive: bool

    def query(self, sql: str, fmt: str) -> bytes:
        """The result of ``sql`` in ClickHouse output format ``fmt``."""
        ...

    def command(self, sql: str) -> None:
        """Run a statement that returns nothing (DDL, ``INSERT … SELECT``, ``ALTER``)."""
        ...

    def insert(self, table: str, data: pa.Table) -> None:
        """Insert the Arrow table's columns (by name) into ``table``."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


@contextmanager
def translated_errors(where: str) -> Iterator[None]:
    """Raise chdb's and clickhouse-connect's errors as :class:`StoreError` naming the store."""
    from clickhouse_connect.driver import exceptions  # noqa: PLC0415 - lazy

    try:
        yield
    except exceptions.OperationalError as exc:
        raise StoreError(
            f"cannot reach the ClickHouse server of {where}: {_network_reason(exc)}; "
            "check the host and port in --db and that the server runs"
        ) from exc
    except (RuntimeError, exceptions.Error) as exc:  # chdb's ChdbError is a RuntimeError
        raise StoreError(f"store {where}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _network_reason(exc: BaseException) -> str:
    """The operating system's words for a failed connection (``Connection refused``), else the first line."""
    found = _ERRNO.search(str(exc))
    return found.group(1).strip() if found else _first_line(exc)



class _ChdbServer:
    """The process's one embedded server: which directory it is bound to, and how many stores use it."""

    lock = threading.Lock()
    path: str | None = None
    users = 0


class ChdbConnection:
    """Embedded ClickHouse on a directory, through a pool of :class:`chdb.session.Session`.

    chdb runs queries of different sessions in parallel (a session serialises its own), so each
    query borrows an idle session, and a new one is opened while fewer than ``sessions`` exist:
    a short read never waits behind a long one, up to that many at a time.
    """

    exclusive = True

    def __init__(self, path: str, sessions: int = 4) -> None:
        self.where = f"chdb://{path}"
        self._path = str(Path(path).resolve())
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(sessions)
        self._all: list[Any] = []
        self._all_lock = threading.Lock()
        with _ChdbServer.lock:
            if _ChdbServer.path not in (None, self._path):
                raise StoreError(
                    f"cannot open {self.where}: this process already has the chdb store "
                    f"{_ChdbServer.path} open, and chdb serves one directory per process; "
                    "close that store first"
                )
            Path(self._path).mkdir(parents=True, exist_ok=True)
            self._idle.put(self._open_session())
            _ChdbServer.path = self._path
            _ChdbServer.users += 1
        self._closed = False

    def _open_session(self) -> Any:
        from chdb import session as chdb_session  # noqa: PLC0415 - load chdb only when a chdb store is opened

        sessions: Any = chdb_session  # chdb ships no type hints
        with translated_errors(self.where):
            opened = sessions.Session(self._path)
            for name, value in SETTINGS.items():
                opened.query(f"SET {name} = {value}", "Null")
        with self._all_lock:
            self._all.append(opened)
        return opened

    @contextmanager
    def _session(self) -> Iterator[Any]:
        with self._slots:
            try:
                borrowed = self._idle.get_nowait()
            except queue.Empty:
                borrowed = self._open_session()
            try:
                yield borrowed
            finally:
                self._idle.put(borrowed)

    def query(self, sql: str, fmt: str) -> bytes:
        """The result of ``sql`` in format ``fmt``, through an idle session of the pool."""
        with self._session() as session, translated_errors(self.where):
            result = session.query(sql, fmt)
            return bytes(result.bytes())

    def command(self, sql: str) -> None:
        """Run a statement that returns nothing."""
        self.query(sql, "Null")

    def insert(self, table: str, data: pa.Table) -> None:
        """Insert through chdb's ``Python()`` table function, which reads ``data`` in place."""
        names = ", ".join(f"`{n}`" for n in data.column_names)
        self.query(f"INSERT INTO {table} ({names}) SELECT {names} FROM Python(data)", "Null")

    def close(self) -> None:
        """Close the sessions; the last store to close frees the process for another directory."""
        if self._closed:
            return
        self._closed = True
        with _ChdbServer.lock:
            with self._all_lock:
                for opened in self._all:
                    opened.close()
                self._all.clear()
            _ChdbServer.users -= 1
            if _ChdbServer.users == 0:
                _ChdbServer.path = None


def _server_parts(url: str) -> SplitResult:
    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigError(f"a clickhouse URL names a server: {url!r} (use clickhouse://host:8123/database)")
    return parts


def database_of(url: str) -> str:
    """The database a ``clickhouse://`` URL names (``default`` when none): a plain identifier."""
    name = _server_parts(url).path.strip("/") or "default"
    if _DATABASE.fullmatch(name) is None:
        raise ConfigError(
            f"a clickhouse URL's database is a name of letters, digits and _: {name!r} in {url!r}"
        )
    return name


def settings_of(url: str) -> dict[str, str]:
    """The URL's query parameters (store settings such as ``raw_ttl_days``), last value of each."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


class HttpConnection:
    """A ClickHouse server or cluster through clickhouse-connect (HTTP, port 8123 by default).

    The user and password come from the URL (``clickhouse://user:pw@host:8123/db``) or from
    ``$NETVIGIL_CLICKHOUSE_USER`` / ``$NETVIGIL_CLICKHOUSE_PASSWORD``; ``clickhouses://`` uses TLS.
    The database is created if it does not exist (when the user may).
    """

    exclusive = False

    def __init__(self, url: str) -> None:
        import clickhouse_connect  # noqa: PLC0415 - load clickhouse-connect only when opened

        # Its driver logs a warning with every failed request; the failure reaches the user once,
        # as the StoreError translated_errors makes of it.
        logging.getLogger("clickhouse_connect").setLevel(logging.ERROR)

        parts = _server_parts(url)
        database = database_of(url)
        self.where = f"{parts.scheme}://{parts.hostname}:{parts.port or 8123}/{database}"
        user = unquote(parts.username) if parts.username else os.environ.get(ENV_USER, "default")
        password = unquote(parts.password) if parts.password else os.environ.get(ENV_PASSWORD, "")
        options: dict[str, Any] = {
            "host": parts.hostname,
            "port": parts.port or 8123,
            "username": user,
            "password": password,
            "secure": parts.scheme == "clickhouses",
            "compress": False,
            "autogenerate_session_id": False,
            "settings": dict(SETTINGS),
        }
        with translated_errors(self.where):
            bootstrap = clickhouse_connect.get_client(**options)
            bootstrap.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
            bootstrap.close()
            self._client = clickhouse_connect.get_client(database=database, **options)

    def query(self, sql: str, fmt: str) -> bytes:
        """The result of ``sql`` in format ``fmt``, as the server sent it."""
        with translated_errors(self.where):
            return bytes(self._client.raw_query(sql, fmt=fmt))

    def command(self, sql: str) -> None:
        """Run a statement that returns nothing."""
        with translated_errors(self.where):
            self._client.command(sql)

    def insert(self, table: str, data: pa.Table) -> None:
        """Send the table as one ArrowStream insert."""
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data)
        with translated_errors(self.where):
            self._client.raw_insert(
                table, data.column_names, sink.getvalue().to_pybytes(), fmt="ArrowStream"
            )

    def close(self) -> None:
        """Close the client's HTTP connections."""
        self._client.close()
