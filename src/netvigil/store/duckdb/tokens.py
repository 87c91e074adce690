"""API token records in DuckDB (hashes only; :mod:`netvigil.store.tokens` makes and checks tokens)."""

from __future__ import annotations

from netvigil.model.tokens import ApiToken
from netvigil.store.duckdb.database import Database
from netvigil.store.duckdb.migrations import SERVICE, Migration
from netvigil.store.duckdb.schema import create_table_sql


def _tables() -> list[str]:
    return [create_table_sql("api_tokens", ApiToken, primary_key=("id",))]


MIGRATIONS = (Migration(5, SERVICE, _tables),)


class TokenTable:
    """The :class:`~netvigil.store.protocol.TokenStore` part on DuckDB."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, token: ApiToken) -> None:
        """Store a new token record."""
        with self._db.transaction() as cur:
            cur.execute(
                "INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, ?)",
                [token.id, token.name, token.secret_sha256, token.scopes, token.created_at, token.revoked],
            )

    def get(self, token_id: str) -> ApiToken | None:
        """One token record by id."""
        with self._db.reading() as cur:
            row = cur.execute("SELECT * FROM api_tokens WHERE id = ?", [token_id]).fetchone()
        return ApiToken(*row) if row is not None else None

    def list_tokens(self) -> list[ApiToken]:
        """Every token record (hashes only), oldest first."""
        with self._db.reading() as cur:
            rows = cur.execute("SELECT * FROM api_tokens ORDER BY created_at, id").fetchall()
        return [ApiToken(*row) for row in rows]

    def revoke(self, token_id: str) -> bool:
        """Revoke a token by id; returns False if there is no such token."""
        with self._db.transaction() as cur:
            found = cur.execute("SELECT count(*) FROM api_tokens WHERE id = ?", [token_id]).fetchone()
            if not found or not found[0]:
                return False
            cur.execute("UPDATE api_tokens SET revoked = true WHERE id = ?", [token_id])
        return True
