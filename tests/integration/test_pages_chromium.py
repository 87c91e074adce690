"""Every page type in real headless Chromium at 390 px (a phone) and 1400 px (a desk).

Each page must draw its content, not scroll sideways, log no console error and pass axe-core with
no serious or critical violation; a screenshot of each is kept in tests/artifacts/. The region,
network, map and search pages are also checked for what they show.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page
from tests.integration.chromium import CHROMIUM
from tests.integration.harness import (
    axe_script,
    horizontal_overflow,
    serious_violations,
    shot,
    watch_problems,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/system-deps.sh)"),
    pytest.mark.skipif(not axe_script().exists(), reason="needs axe-core in the cache (scripts/axe-core.sh)"),
]

WIDTHS = (390, 1400)
WINDOW = "from=2022-01-02T00:00:00Z&until=2022-01-12T00:00:00Z"
# page type: (address, a selector that appears once the page has drawn from the API, HTTP status)
PAGES = {
    "home": ("/?at=2022-01-06T00:00:00Z", "#latest table", 200),
    "country": (f"/country/KZ?{WINDOW}", "#networks table", 200),
    "region": (f"/region/KZ-75?{WINDOW}", "#events > *", 200),
    "network": (f"/network/29355?{WINDOW}", "#events table", 200),
    "event": ("/event/kz-2022-blackout", "#phases table", 200),
    "map": ("/map?at=2022-01-06T00:00:00Z", "#areas table", 200),
    "search": ("/search?q=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B", "#results li", 200),
    "notfound": ("/network/not-a-number", "#find", 404),
}


def open_page(browser: Browser, base_url: str, kind: str, width: int) -> tuple[Page, list[str]]:
    address, ready, status = PAGES[kind]
    context = browser.new_context(viewport={"width": width, "height": 900}, has_touch=width < 600)
    page = context.new_page()
    problems = watch_problems(page, expected_statuses=(404,) if status == 404 else ())
    response = page.goto(base_url + address)
    assert response is not None and response.status == status
    page.locator(ready).first.wait_for()
    page.wait_for_load_state("networkidle")
    return page, problems


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", list(PAGES))
def test_page_fits_is_clean_and_accessible(browser: Browser, base_url: str, kind: str, width: int) -> None:
    page, problems = open_page(browser, base_url, kind, width)
    try:
        shot(page, f"{kind}-{width}")
        assert horizontal_overflow(page) == 0, f"{kind} at {width} px scrolls sideways"
        assert problems == []  # before axe-core runs: its own inline styles meet the page's CSP
        assert serious_violations(page) == []
    finally:
        page.context.close()


def test_region_page_shows_signals_events_parent_and_services(browser: Browser, base_url: str) -> None:
    page, problems = open_page(browser, base_url, "region", 1400)
    assert page.locator("#title").inner_text() == "Almaty"
    facts = page.locator("#facts").inner_text()
    assert "region:KZ-75" in facts and "Kazakhstan" in facts
    assert page.locator('#facts a[href="/country/KZ"]').count() == 1
    assert page.locator("#legend").inner_text() == "probe"
    assert page.locator("#events").inner_text() == "No events in this window."
    assert problems == []
    page.context.close()


def test_network_page_says_mobile_and_links_its_country(browser: Browser, base_url: str) -> None:
    page, problems = open_page(browser, base_url, "network", 1400)
    assert page.locator("#title").inner_text() == "Kcell JSC (AS29355)"
    assert "mobile" in page.locator("#facts").inner_text()
    assert page.locator('#children a[href="/country/KZ"]').count() == 1
    assert page.locator("#events tr[data-event]").count() >= 1
    assert page.locator('#wider tr[data-event="kz-2022-blackout"]').count() == 1
    assert problems == []
    page.context.close()


def test_map_shades_kazakhstan_and_its_regions_and_clicks_through(browser: Browser, base_url: str) -> None:
    page, problems = open_page(browser, base_url, "map", 1400)
    kz = page.locator('#map a[data-entity="country:KZ"]')
    assert "of ordinary" in (kz.get_attribute("aria-label") or "")
    assert kz.locator("path").get_attribute("fill") == "#8e1b16"
    assert page.locator("#map a.country").count() > 150
    region_files: list[str] = []
    page.on("request", lambda r: region_files.append(r.url) if "/static/map/regions/" in r.url else None)
    page.locator('button[data-zoom="KZ"]').click()
    page.locator('#map a[data-entity="region:KZ-75"]').wait_for()
    assert page.locator('#map a[data-entity="region:KZ-75"]').count() == 1
    assert "zoom=KZ" in page.locator("#share").input_value()
    shot(page, "map-zoom-KZ-1400")
    page.locator("#zoom-any").select_option("DE")
    page.locator('#map a[data-entity="region:DE-BY"]').wait_for()
    assert "zoom=DE" in page.locator("#share").input_value()
    shot(page, "map-zoom-DE-1400")
    # KZ's regions came with the page (they have data at this moment); DE's only once zoomed into.
    assert [u.rsplit("/", 1)[1] for u in region_files] == ["DE.json"]
    page.locator("#zoom-any").select_option("KZ")
    page.locator('#map a[data-entity="region:KZ-75"]').click()
    page.wait_for_url("**/region/KZ-75")
    page.locator("#title").wait_for()
    assert problems == []
    page.context.close()


def test_header_search_finds_a_network_by_asn(browser: Browser, base_url: str) -> None:
    page, problems = open_page(browser, base_url, "home", 1400)
    page.locator("#search input").fill("AS29355")
    page.locator("#search input").press("Enter")
    page.wait_for_url("**/search?q=AS29355")
    first = page.locator("#results li").first
    first.wait_for()
    assert first.get_attribute("data-entity") == "asn:29355"
    first.locator("a").click()
    page.wait_for_url("**/network/29355")
    assert problems == []
    page.context.close()
