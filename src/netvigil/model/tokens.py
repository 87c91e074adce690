"""API tokens as the store keeps them: never the secret, only its SHA-256.

Scopes are a closed set: ``submit`` (probes send measurements) and ``admin`` (alert rules, tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

TokenScope = Literal["submit", "admin"]
TOKEN_SCOPES: Final[tuple[TokenScope, ...]] = ("submit", "admin")


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
