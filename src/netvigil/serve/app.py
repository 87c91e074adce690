"""The observatory service: :func:`create_app` (a FastAPI app factory) and :func:`serve` (blocking).

One process serves the API (``/api/v1``, OpenAPI at ``/api/v1/openapi.json``), the Atom feed and
the dashboard from one store. Nothing is created at import time: every piece of state (store,
settings, cache, rate-limit buckets) hangs off the app made by the factory.
"""

from __future__ import annotations

from pathlib import Path

import uvicorn
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from netvigil.pipeline.rollups import ensure_rollups
from netvigil.serve import api, feeds, web
from netvigil.serve.errors import install_error_handlers
from netvigil.serve.middleware import (
    BodyLimit,
    RateLimit,
    RateLimiter,
    ReadCache,
    ResponseCache,
    SecurityHeaders,
)
from netvigil.serve.settings import Settings, load_settings
from netvigil.serve.store_service import Freshener, store_service
from netvigil.store import Store, open_store

API_VERSION = "1"


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    """An app serving ``store`` (which the caller keeps open and closes)."""
    settings = settings or load_settings()
    if not store.read_only:
        ensure_rollups(store)
    app = FastAPI(
        title="netvigil",
        version=API_VERSION,
        description="An open internet-shutdown observatory: signals, events, alerts.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.cache = ResponseCache(settings.number("cache_seconds"), settings.integer("cache_entries"))
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(feeds.router)
    web.mount_dashboard(app)
    origins = [o.strip() for o in settings.text("cors_origins").split(",") if o.strip()]
    app.add_middleware(ReadCache, cache=app.state.cache, prefixes=("/api/v1/", "/feeds/"))
    app.add_middleware(BodyLimit, max_bytes=settings.integer("max_body_bytes"))
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET"], allow_headers=[])
    limit = RateLimit(
        settings.integer("rate_limit_per_minute"), settings.integer("write_rate_limit_per_minute")
    )
    app.add_middleware(RateLimiter, limit=limit)
    app.add_middleware(SecurityHeaders)
    return app


def serve(
    db_path: str | Path | None, host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None
) -> None:
    """Serve the store at ``db_path`` until interrupted (the demo's last step), shared with other commands."""
    with open_store(db_path, through_service=False) as store, store_service(store, db_path) as service:
        app = create_app(store, settings)
        with Freshener(store, ensure_rollups, app.state.cache.clear) as freshener:
            if service is not None:
                service.notify(freshener.changed)
            uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
