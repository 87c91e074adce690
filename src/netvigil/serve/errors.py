"""The one JSON error shape of the API, and the handlers that give every error that shape.

``{"error": {"status": 422, "code": "validation_error", "message": "…", "details": […]}}``
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from netvigil.model.errors import ApiError, InputError

log = logging.getLogger("netvigil.serve")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


def error_body(status: int, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    """The error shape as a dict."""
    code = _CODES.get(status, "error")
    return {"error": {"status": status, "code": code, "message": message, "details": details or []}}


def error_response(
    status: int, message: str, details: list[Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The error shape as a response."""
    return JSONResponse(error_body(status, message, details), status_code=status, headers=headers)


def _clean(errors: Any) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "message": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


async def _on_api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.details)


async def _on_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "the request is not valid; see details", _clean(exc.errors()))


async def _on_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))


async def _on_input(_: Request, exc: Exception) -> JSONResponse:
    return error_response(422, str(exc))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of error to the one shape."""
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(InputError, _on_input)
    app.add_exception_handler(Exception, _on_unexpected)
