"""The dashboard: three HTML pages (home, country, event) and their static files, all package data.

The pages are static; their script reads the view from the URL (so a copied URL shares the view)
and draws from the API. Nothing is loaded from another host: the charts are drawn by
``static/chart.js`` with uPlot vendored beside it (``static/uPlot.esm.js``, MIT, licence in
``static/uPlot.LICENSE.txt``), so the dashboard works offline.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

PAGES = ("home", "country", "event")
router = APIRouter(include_in_schema=False)


def static_dir() -> Path:
    """Where the dashboard's files are installed."""
    return Path(str(resources.files("netvigil.serve").joinpath("static")))


def load_pages() -> dict[str, str]:
    """The HTML of each page (read once, when the app is made)."""
    return {name: (static_dir() / f"{name}.html").read_text("utf-8") for name in PAGES}


def _page(request: Request, name: str) -> HTMLResponse:
    return HTMLResponse(request.app.state.pages[name])


@router.get("/")
def home(request: Request) -> HTMLResponse:
    """What is disrupted now, and the latest events."""
    return _page(request, "home")


@router.get("/country/{country}")
def country(request: Request, country: str) -> HTMLResponse:
    """A country: every signal as % of ordinary, events shaded, networks, regions, services."""
    return _page(request, "country")


@router.get("/event/{event_id}")
def event(request: Request, event_id: str) -> HTMLResponse:
    """One event: its phases and evidence."""
    return _page(request, "event")


@router.get("/favicon.ico")
def favicon() -> Response:
    """The icon browsers ask for."""
    return Response((static_dir() / "favicon.svg").read_bytes(), media_type="image/svg+xml")


def mount_dashboard(app: FastAPI) -> None:
    """Add the pages and ``/static`` to the app."""
    app.state.pages = load_pages()
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
