"""The one exception tree of netvigil.

    NetvigilError
    ├── InputError        bad user input (file, line, what was expected); the CLI exits with code 2
    │   └── UnknownEntityError
    ├── StoreError        the store cannot be opened or written
    │   └── StoreBusyError   another process holds the write lock for too long
    └── ConfigError       a setting has an invalid value

Network and probe failures are not exceptions: they are data (see ``model.failures``).
"""

from __future__ import annotations


class NetvigilError(Exception):
    """Base of every error netvigil raises on purpose."""


class InputError(NetvigilError):
    """Bad input: says which file and line, and what was expected there."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.detail = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class UnknownEntityError(InputError):
    """An entity identifier that is well formed but names nothing known."""


class StoreError(NetvigilError):
    """The store cannot be opened, migrated or written."""


class StoreBusyError(StoreError):
    """Another process kept the store's write lock for longer than we were willing to wait."""


class ConfigError(NetvigilError):
    """A setting has a value outside what it accepts."""
