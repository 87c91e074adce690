"""API token records in ClickHouse (hashes only; :mod:`netvigil.store.tokens` makes and checks tokens)."""

from __future__ import annotations

from netvigil.model.errors import StoreError
from netvigil.model.tokens import ApiToken
from netvigil.store.clickhouse.database import Database
from netvigil.store.clickhouse.sql import Table, lit
from netvigil.store.columns import values_of
from netvigil.store.migrations import SERVICE, Migration

TOKENS = Table.of("api_tokens", ApiToken, ("id",))
MIGRATIONS = (Migration(5, SERVICE, lambda: [TOKENS.ddl()]),)


class TokenTable:
    """The :class:`~netvigil.store.protocol.TokenStore` part on ClickHouse."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, token: ApiToken) -> None:
        """Store a new token record (its id must be new)."""
        with self._db.transaction():
            if self.get(token.id) is not None:
                raise StoreError(f"store {self._db.where}: a token with id {token.id!r} exists")
            self._db.insert_rows("api_tokens", [values_of(token)])

    def get(self, token_id: str) -> ApiToken | None:
        """One token record by id."""
        rows = self._db.rows(
            f"SELECT {TOKENS.select_list()} FROM {self._db.source('api_tokens')} WHERE id = {lit(token_id)}"
        )
        return ApiToken(*rows[0]) if rows else None

    def list_tokens(self) -> list[ApiToken]:
        """Every token record (hashes only), oldest first."""
        rows = self._db.rows(
            f"SELECT {TOKENS.select_list()} FROM {self._db.source('api_tokens')} ORDER BY created_at, id"
        )
        return [ApiToken(*row) for row in rows]

    def revoke(self, token_id: str) -> bool:
        """Revoke a token by id; returns False if there is no such token."""
        with self._db.transaction():
            if self.get(token_id) is None:
                return False
            self._db.update("api_tokens", {"revoked": "true"}, f"id = {lit(token_id)}")
        return True
