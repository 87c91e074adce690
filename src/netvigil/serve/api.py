"""The HTTP API under ``/api/v1``, assembled from one router per audience.

- :mod:`~netvigil.serve.api_public`: reads anyone may make (entities, signals, events, summary,
  country overview, measurements);
- :mod:`~netvigil.serve.api_admin`: alert rules and deliveries (token scope ``admin``);
- :mod:`~netvigil.serve.api_submit`: measurement submissions (token scope ``submit``).

Every list and series also comes as CSV (``format=csv``); errors have one shape.
"""

from __future__ import annotations

from fastapi import APIRouter

from netvigil.serve import api_admin, api_public, api_submit

router = APIRouter(prefix="/api/v1")
router.include_router(api_public.router)
router.include_router(api_admin.router)
router.include_router(api_submit.router)
