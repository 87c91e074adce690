"""The submission part of the HTTP API: probes send measurements (a token with scope ``submit``).

The body is read here rather than by FastAPI's model layer, so that every way a body can be wrong
gets a 4xx whose message names the part at fault (``body``, ``measurements``,
``measurements[3].test_keys.requests[0]``), never a 500: not JSON, JSON that is not an object or a
list, ``NaN``/``Infinity`` (not JSON, and not writable back out), integers past Python's digit
limit, nesting deeper than :data:`MAX_DEPTH`, and text with lone UTF-16 surrogates (which no
store can keep). Each measurement is then checked alone (:func:`submit_measurements`).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from netvigil.model.errors import ApiError
from netvigil.pipeline.measurements import submit_measurements
from netvigil.serve.deps import StoreDep, SubmitToken

router = APIRouter()
MAX_ITEMS: Final = 1000
MAX_DEPTH: Final = 64
"""Deepest nesting a submission may have; OONI's own measurements stay under 12 levels."""

_MEASUREMENT = {"type": "object", "description": "An OONI-format measurement (contract 3.5)"}
_BODY_SCHEMA = {
    "description": 'One OONI-format measurement, a list of them, or {"measurements": [...]}',
    "oneOf": [_MEASUREMENT, {"type": "array", "items": _MEASUREMENT, "maxItems": MAX_ITEMS}],
}
_OPENAPI = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY_SCHEMA}}}
}


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _parsed(raw: bytes) -> Any:
    """The body as JSON; ApiError 422 saying why it is not JSON netvigil reads."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise ApiError(422, f"body: nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ApiError(422, f"body: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:
        reason = str(exc) if "JSON number" in str(exc) else None
        if reason is None and isinstance(exc, UnicodeDecodeError):
            reason = f"not UTF-8 text ({exc.reason})"
        if reason is None:
            reason = f"a number has more than {sys.get_int_max_str_digits()} digits"
        raise ApiError(422, f"body: {reason}") from None


def _where(path: tuple[str | int, ...]) -> str:
    """A field's path as ``body.measurements[3].test_keys``, cut to 120 characters."""
    text = "body" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return text if len(text) <= 120 else f"{text[:117]}…"


def _nodes(value: Any) -> Iterator[tuple[Any, tuple[str | int, ...]]]:
    """Every value of a JSON document with its path, depth-first, without recursion."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        yield node, path
        if isinstance(node, dict):
            stack.extend((child, (*path, str(key))) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(node))


def _check_document(body: Any) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and text no store can keep, naming the field."""
    for node, path in _nodes(body):
        if len(path) > MAX_DEPTH:
            raise ApiError(422, f"{_where(path)}: nested deeper than {MAX_DEPTH} levels")
        texts = [node] if isinstance(node, str) else list(node) if isinstance(node, dict) else []
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise ApiError(422, f"{_where(path)}: text with a lone UTF-16 surrogate") from None


def _items(body: Any) -> list[Any]:
    """The submitted measurements, from a measurement, a list, or ``{"measurements": [...]}``."""
    if isinstance(body, dict) and set(body) == {"measurements"}:
        body = body["measurements"]
        if not isinstance(body, list):
            raise ApiError(422, "body.measurements: expected a list of measurement objects")
    elif isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        kind = type(body).__name__.replace("str", "string").replace("NoneType", "null")
        expected = 'a measurement object, a list of them or {"measurements": [...]}'
        raise ApiError(422, f"body: expected {expected}, got {kind}")
    if len(body) > MAX_ITEMS:
        raise ApiError(413, f"at most {MAX_ITEMS} measurements per request")
    return body


async def submission(request: Request) -> list[Any]:
    """The request's measurements, read and checked as a whole (see the module doc)."""
    body = _parsed(await request.body())
    _check_document(body)
    return _items(body)


Submission = Annotated[list[Any], Depends(submission)]


@router.post(
    "/measurements", summary="Submit measurements (token with scope submit)", openapi_extra=_OPENAPI
)
def post_measurements(_: SubmitToken, store: StoreDep, items: Submission) -> JSONResponse:
    """Store new OONI-format measurements; a bad item is rejected alone and reported with its field."""
    result = submit_measurements(store, items, int(time.time()), source="api")
    if result.accepted == 0 and result.rejected and not result.duplicates:
        raise ApiError(422, "no measurement was valid; nothing was stored", result.to_json()["errors"])
    return JSONResponse(result.to_json())
