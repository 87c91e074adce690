"""API tokens, stored hashed: a token is shown once when made, and only its SHA-256 is kept.

A token reads ``nv_<id>_<secret>``; the id finds the row, the secret (32 random bytes, so a plain
SHA-256 is enough — there is nothing to brute-force) is compared in constant time. Scopes are a
closed set: ``submit`` (probes send measurements) and ``admin`` (alert rules, tokens).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from netvigil.model.errors import InputError
from netvigil.store.schema import create_table_sql

if TYPE_CHECKING:
    from netvigil.store.duckdb_store import DuckDBStore

TOKEN_SCOPES: Final[tuple[str, ...]] = ("submit", "admin")
_PREFIX: Final = "nv_"


@dataclass(frozen=True, slots=True)
class ApiToken:
    """One stored token: never the secret itself, only its hash."""

    id: str
    name: str
    secret_sha256: str
    scopes: str
    created_at: int
    revoked: bool = False

    @property
    def scope_set(self) -> frozenset[str]:
        """The scopes as a set."""
        return frozenset(s for s in self.scopes.split(",") if s)


def auth_tables() -> list[str]:
    """The ``api_tokens`` table (migration 5)."""
    return [create_table_sql("api_tokens", ApiToken, primary_key=("id",))]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(store: DuckDBStore, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """Make a token with ``scopes``; returns the stored record and the full token text (shown once)."""
    unknown = sorted(set(scopes) - set(TOKEN_SCOPES))
    if unknown or not scopes:
        raise InputError(
            f"scopes must be some of {', '.join(TOKEN_SCOPES)}; got {', '.join(scopes) or 'none'}"
        )
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    record = ApiToken(token_id, name, _hash(secret), ",".join(sorted(set(scopes))), int(time.time()))
    store.cursor().execute(
        "INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, ?)",
        [record.id, record.name, record.secret_sha256, record.scopes, record.created_at, False],
    )
    return record, f"{_PREFIX}{token_id}_{secret}"


def verify_token(store: DuckDBStore, text: str) -> ApiToken | None:
    """The live token ``text`` stands for, or None if it is malformed, unknown, revoked or wrong."""
    if not text.startswith(_PREFIX):
        return None
    token_id, sep, secret = text[len(_PREFIX) :].partition("_")
    if not sep:
        return None
    row = store.cursor().execute("SELECT * FROM api_tokens WHERE id = ?", [token_id]).fetchone()
    if row is None:
        return None
    token = ApiToken(*row)
    if token.revoked or not hmac.compare_digest(token.secret_sha256, _hash(secret)):
        return None
    return token


def list_tokens(store: DuckDBStore) -> list[ApiToken]:
    """Every token record (hashes only), oldest first."""
    rows = store.cursor().execute("SELECT * FROM api_tokens ORDER BY created_at, id").fetchall()
    return [ApiToken(*row) for row in rows]


def revoke_token(store: DuckDBStore, token_id: str) -> bool:
    """Revoke a token by id; returns False if there is no such token."""
    cur = store.cursor()
    found = cur.execute("SELECT count(*) FROM api_tokens WHERE id = ?", [token_id]).fetchone()
    if not found or not found[0]:
        return False
    cur.execute("UPDATE api_tokens SET revoked = true WHERE id = ?", [token_id])
    return True
