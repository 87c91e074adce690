"""The dashboard: HTML pages (home, country, region, network, event, map, search) and their static files.

The pages are static; their script reads the view from the URL (so a copied URL shares the view)
and draws from the API. Nothing is loaded from another host: the charts are drawn by
``static/chart.js`` with uPlot vendored beside it (``static/uPlot.esm.js``, MIT, licence in
``static/uPlot.LICENSE.txt``) and the map's shapes are package data (``static/map/``), so the
dashboard works offline.

A page address for something unknown (``/region/XX-99``, ``/network/abc``, ``/nowhere``) answers
a 404 HTML page that says what to try; only ``/api/`` and ``/feeds/`` answer the JSON error shape.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from netvigil.geo.entities import default_registry
from netvigil.geo.names import asn_named
from netvigil.model.errors import InputError
from netvigil.serve.errors import error_response

PAGES = ("home", "country", "event", "entity", "map", "search", "notfound")
"""One HTML file each; region and network pages are one (``entity.html``), drawn by ``entity.js``."""
MACHINE_PREFIXES = ("/api/", "/feeds/")
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
    return _page(request, "country") if _known(f"country:{country.upper()}") else _not_found(request)


@router.get("/event/{event_id}")
def event(request: Request, event_id: str) -> HTMLResponse:
    """One event: its phases and evidence."""
    known = request.app.state.store.get_event(event_id) is not None
    return _page(request, "event") if known else _not_found(request)


@router.get("/region/{region}")
def region(request: Request, region: str) -> HTMLResponse:
    """A region (ISO 3166-2): its signals, events, services seen from it, its country and local places."""
    return _page(request, "entity") if _known(f"region:{region.upper()}") else _not_found(request)


@router.get("/network/{asn}")
def network(request: Request, asn: str) -> HTMLResponse:
    """A network (``/network/29355`` or ``/network/AS29355``): mobile or fixed, signals, events, country."""
    return _page(request, "entity") if asn_named(asn) else _not_found(request)


@router.get("/map")
def world_map(request: Request) -> HTMLResponse:
    """Countries and regions shaded by % of ordinary at a chosen time."""
    return _page(request, "map")


@router.get("/search")
def search(request: Request) -> HTMLResponse:
    """Entities by any name people use: English, local script, operator, ASN."""
    return _page(request, "search")


def _known(key: str) -> bool:
    try:
        default_registry().get(key)
    except InputError:
        return False
    return True


def _not_found(request: Request) -> HTMLResponse:
    return HTMLResponse(request.app.state.pages["notfound"], status_code=404)


async def _on_http(request: Request, exc: Exception) -> Response:
    """A 404 on a page address is the HTML not-found page; everything else keeps the JSON error shape."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404 and not request.url.path.startswith(MACHINE_PREFIXES):
        return _not_found(request)
    response: JSONResponse = error_response(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
    return response


@router.get("/favicon.ico")
def favicon() -> Response:
    """The icon browsers ask for."""
    return Response((static_dir() / "favicon.svg").read_bytes(), media_type="image/svg+xml")


def mount_dashboard(app: FastAPI) -> None:
    """Add the pages and ``/static`` to the app."""
    app.state.pages = load_pages()
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
