"""The DuckDB connection holder every part shares: cursors, the one transaction helper, errors.

Concurrency: inside one process any number of threads read through their own cursor while one
writes (DuckDB's MVCC gives readers a consistent snapshot); writes of all threads take one lock.
Across processes DuckDB lets one process hold the file (for writing, or several for reading only);
a second process waits for the lock briefly (``lock_timeout``, 1 s by default) and then fails with
a one-line :class:`StoreBusyError` naming the process that holds it. While ``netvigil serve`` holds
the file, other commands do not come here: :func:`netvigil.store.open_store` sends them through
the service.

DuckDB's own exceptions (:class:`duckdb.Error` and its subclasses) are turned into
:class:`~netvigil.model.errors.StoreError` here, once, so nothing above the store sees them.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from netvigil.model.errors import StoreBusyError, StoreError

MEMORY = ":memory:"
_HOLDER = re.compile(r"lock is held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")


@contextmanager
def translated_errors(path: str) -> Iterator[None]:
    """Raise DuckDB's errors as :class:`StoreError` naming the store (the one place this happens)."""
    try:
        yield
    except duckdb.Error as exc:
        raise StoreError(f"store {path}: {exc}") from exc


def _connect(path: str, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_timeout
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open store {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise StoreBusyError(_busy_message(path, str(exc), lock_timeout)) from exc
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
            delay = min(delay * 2, 0.5)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open store {path}: {exc}") from exc


def _busy_message(path: str, reason: str, waited: float) -> str:
    """One line: who holds the store (as DuckDB names it) and what to do."""
    holder = _HOLDER.search(reason)
    who = f"process {holder['pid']} ({holder['program']})" if holder else "another process"
    return (
        f"store {path} is held by {who}, which serves it to no one (waited {waited:g} s); "
        "stop that process, or run `netvigil serve` on this store so other commands go through it, "
        "or point --db at another file"
    )


class Database:
    """One open DuckDB database: a cursor per thread, one write lock, one transaction helper."""

    def __init__(self, path: str, *, read_only: bool, lock_timeout: float) -> None:
        self.path = path
        self.read_only = read_only
        if path != MEMORY and not read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if read_only and path != MEMORY and not Path(path).exists():
            raise StoreError(f"no store at {path}; ingest something first or pass --db")
        self._conn = _connect(path, read_only, lock_timeout)
        self._local = threading.local()
        self._write_lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """The calling thread's own cursor on the shared database (threads must not share one)."""
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._conn.cursor()
            self._local.cursor = cur
        return cur

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The calling thread's cursor for reads, with DuckDB's errors translated."""
        with translated_errors(self.path):
            yield self.cursor()

    @contextmanager
    def own_cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh cursor for one read: the thread's cursor may hold an unfinished result of another query.

        Inside a transaction the read goes through the transaction's own cursor instead: a fresh
        one is another connection, which would not see the writes of the transaction it is in.
        """
        if getattr(self._local, "in_transaction", False):
            with translated_errors(self.path):
                yield self.cursor()
            return
        with translated_errors(self.path):
            cur = self.cursor().cursor()
            try:
                yield cur
            finally:
                cur.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """BEGIN, yield this thread's cursor, COMMIT; ROLLBACK on any exception — under the write lock.

        The only place netvigil opens a transaction. A transaction inside another one of the same
        thread joins it, so a write method is atomic alone and also inside a caller's larger one.
        """
        if getattr(self._local, "in_transaction", False):
            yield self.cursor()
            return
        with self._write_lock, translated_errors(self.path):
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            self._local.in_transaction = True
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                self._local.in_transaction = False

    def close(self) -> None:
        """Close the database; every cursor becomes unusable."""
        self._conn.close()
