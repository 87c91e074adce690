"""Property-based requests generated from the published OpenAPI: no answer may be a 500.

The example count per operation is kept small so this stays well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_asgi

from netvigil.serve.app import create_app
from netvigil.serve.settings import load_settings
from netvigil.store import Store
from netvigil.store.tokens import create_token


@pytest.fixture(scope="module")
def fuzz_app(kz_store: Store) -> FastAPI:
    settings = {"cache_seconds": "0", "rate_limit_per_minute": "0", "write_rate_limit_per_minute": "0"}
    return create_app(kz_store, load_settings(settings, env={}))


@pytest.fixture(scope="module")
def api_schema(fuzz_app: FastAPI) -> schemathesis.BaseSchema:
    return from_asgi("/api/v1/openapi.json", fuzz_app)


@pytest.fixture(scope="module")
def admin_header(kz_store: Store) -> dict[str, str]:
    _, token = create_token(kz_store.tokens, "fuzz", ["admin"])
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("authenticated", [False, True], ids=["anonymous", "admin-token"])
def test_no_server_errors(
    api_schema: schemathesis.BaseSchema, admin_header: dict[str, str], authenticated: bool
) -> None:
    headers = admin_header if authenticated else {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        run()
