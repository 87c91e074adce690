"""The submission part of the HTTP API: probes send measurements (a token with scope ``submit``)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from netvigil.model.errors import ApiError
from netvigil.pipeline.measurements import submit_measurements
from netvigil.serve.deps import StoreDep, SubmitToken

router = APIRouter()


Submission = Annotated[
    list[dict[str, Any]] | dict[str, Any],
    Body(description='One OONI-format measurement, a list of them, or {"measurements": [...]}'),
]


@router.post("/measurements", summary="Submit measurements (token with scope submit)")
def post_measurements(body: Submission, store: StoreDep, _: SubmitToken) -> JSONResponse:
    """Store new OONI-format measurements; a bad item is rejected alone and reported."""
    items: Any = body
    if isinstance(body, dict):
        items = body.get("measurements", [body]) if set(body) == {"measurements"} else [body]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ApiError(422, "expected measurement objects")
    if len(items) > 1000:
        raise ApiError(413, "at most 1000 measurements per request")
    result = submit_measurements(store, items, int(time.time()), source="api")
    status = 422 if result.accepted == 0 and result.rejected and not result.duplicates else 200
    if status == 422:
        reasons = [{"index": e.index, "reason": e.reason} for e in result.errors]
        raise ApiError(422, "no measurement was valid; nothing was stored", reasons)
    return JSONResponse(result.to_json(), status_code=status)


