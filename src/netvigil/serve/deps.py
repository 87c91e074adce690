"""Typed FastAPI dependencies: the store, the settings, the registry, auth scopes, query parsing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from netvigil.geo.entities import EntityRegistry, default_registry
from netvigil.model.errors import ApiError
from netvigil.model.events import parse_moment
from netvigil.model.tokens import ApiToken
from netvigil.pipeline.event_query import canonical_entity
from netvigil.serve.settings import Settings
from netvigil.serve.views import DAY, Window
from netvigil.store.protocol import Store
from netvigil.store.tokens import verify_token


def get_store(request: Request) -> Store:
    """The store the app was made with."""
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The app's resolved settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_registry() -> EntityRegistry:
    """The entity registry (names, parents, children)."""
    return default_registry()


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
RegistryDep = Annotated[EntityRegistry, Depends(get_registry)]


def parse_time(text: str | None, name: str) -> int | None:
    """ISO 8601 with a zone, or Unix seconds; 422 otherwise (see :func:`parse_moment`)."""
    return parse_moment(text, name)


def entity_key(text: str, name: str = "entity") -> str:
    """A canonical entity identifier; 422 if malformed (see :func:`canonical_entity`)."""
    return canonical_entity(text, name)


@dataclass(frozen=True, slots=True)
class WindowParams:
    """``from``/``until``/``max_points`` of a chart request, before defaults are applied."""

    since: int | None
    until: int | None
    max_points: int | None
    step: int | None = None


def window_params(
    since: Annotated[str | None, Query(alias="from", description="Start: ISO 8601 UTC or Unix s.")] = None,
    until: Annotated[str | None, Query(description="End (exclusive): ISO 8601 UTC or Unix s.")] = None,
    max_points: Annotated[int | None, Query(ge=2, le=100_000, description="Most points per series.")] = None,
    step: Annotated[
        int | None,
        Query(
            ge=60, le=30 * 86_400, description="Bin width in seconds (rounded up to one that divides a day)."
        ),
    ] = None,
) -> WindowParams:
    """Parse the range parameters shared by chart endpoints."""
    return WindowParams(parse_time(since, "from"), parse_time(until, "until"), max_points, step)


def resolve_window(store: Store, settings: Settings, params: WindowParams) -> Window:
    """Defaults: end at the store's newest data (else now), span ``default_days``, bounded points."""
    until = params.until
    if until is None:
        newest = store.rollups.latest_time()
        now = newest + 1 if newest is not None else int(time.time())
        until = -(-now // 3600) * 3600
    since = params.since if params.since is not None else until - settings.integer("default_days") * DAY
    if since >= until:
        raise ApiError(422, "from must be before until")
    if until - since > 20 * 366 * DAY:
        raise ApiError(422, "the range may span at most 20 years")
    points = params.max_points or settings.integer("default_max_points")
    if params.step is not None:
        points = max(2, -(-(until - since) // params.step))
    if points > settings.integer("max_points_limit"):
        limit = settings.integer("max_points_limit")
        raise ApiError(422, f"at most {limit} points per series; ask for a larger step or a shorter range")
    return Window(since, until, points)


WindowDep = Annotated[WindowParams, Depends(window_params)]


def require_scope(scope: str) -> Callable[..., ApiToken]:
    """A dependency that needs a bearer token with ``scope`` (admin holds every scope)."""

    def check(
        store: StoreDep,
        authorization: Annotated[str | None, Header(description="Bearer token")] = None,
    ) -> ApiToken:
        challenge = {"WWW-Authenticate": "Bearer"}
        if not authorization or not authorization.lower().startswith("bearer "):
            raise ApiError(401, "this needs an API token: Authorization: Bearer nv_…", [challenge])
        token = verify_token(store.tokens, authorization[7:].strip())
        if token is None:
            raise ApiError(401, "the API token is unknown, revoked or malformed")
        if scope not in token.scope_set and "admin" not in token.scope_set:
            raise ApiError(403, f"the API token lacks the {scope!r} scope")
        return token

    return check


SubmitToken = Annotated[ApiToken, Depends(require_scope("submit"))]
AdminToken = Annotated[ApiToken, Depends(require_scope("admin"))]
