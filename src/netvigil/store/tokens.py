"""API tokens: made and checked here, stored hashed by any backend's token part.

A token reads ``nv_<id>_<secret>``; the id finds the record, the secret (32 random bytes, so a plain
SHA-256 is enough — there is nothing to brute-force) is compared in constant time. A token is shown
once when made; only its SHA-256 is kept. Scopes are a closed set (:data:`TOKEN_SCOPES`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from typing import Final

from netvigil.model.errors import InputError
from netvigil.model.tokens import TOKEN_SCOPES, ApiToken
from netvigil.store.protocol import TokenStore

_PREFIX: Final = "nv_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(tokens: TokenStore, name: str, scopes: Sequence[str]) -> tuple[ApiToken, str]:
    """Make a token with ``scopes``; returns the stored record and the full token text (shown once)."""
    unknown = sorted(set(scopes) - set(TOKEN_SCOPES))
    if unknown or not scopes:
        raise InputError(
            f"scopes must be some of {', '.join(TOKEN_SCOPES)}; got {', '.join(scopes) or 'none'}"
        )
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    record = ApiToken(token_id, name, _hash(secret), ",".join(sorted(set(scopes))), int(time.time()))
    tokens.add(record)
    return record, f"{_PREFIX}{token_id}_{secret}"


def verify_token(tokens: TokenStore, text: str) -> ApiToken | None:
    """The live token ``text`` stands for, or None if it is malformed, unknown, revoked or wrong."""
    if not text.startswith(_PREFIX):
        return None
    token_id, sep, secret = text[len(_PREFIX) :].partition("_")
    if not sep:
        return None
    token = tokens.get(token_id)
    if token is None or token.revoked or not hmac.compare_digest(token.secret_sha256, _hash(secret)):
        return None
    return token
