"""A real headless Chromium (Debian's, driven by Playwright) reads the dashboard like a person would.

The server is the real app under uvicorn on loopback, over a store filled with Kazakhstan-like
signals and events. Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from tests.integration.chromium import CHROMIUM, launch
from tests.integration.harness import serve_kz

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/system-deps.sh)"),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_kz(Path(tmp_path_factory.mktemp("dash"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda msg: _console(problems, msg))
    opened.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    opened.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    yield opened
    context.close()
    assert problems == [], problems


def _console(problems: list[str], message: ConsoleMessage) -> None:
    if message.type in ("error", "warning"):
        problems.append(f"console {message.type}: {message.text}")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_home_ranks_the_blackout(page: Page, base_url: str, tmp_path: Path) -> None:
    page.goto(f"{base_url}/?at=2022-01-06T00:00:00Z")
    first = page.locator("#disrupted li").first
    first.wait_for()
    text = first.inner_text()
    assert "Blackout in Kazakhstan (national)" in text
    assert "3.0 % of ordinary since 2022-01-05 10:35 UTC" in text
    assert first.locator(".badge").inner_text() == "severe"
    assert page.locator("#disrupted li").count() == 3
    assert "kz-2022-blackout" in page.locator("#latest").inner_html()
    assert page.locator("#share").input_value().endswith("?at=2022-01-06T00:00:00Z")
    assert page.locator('#bars rect[data-bar="kz-2022-blackout"]').count() == 1
    assert "3.0 %" in page.locator("#bars svg").inner_html()
    with page.expect_download() as png:
        page.locator("#png").click()
    saved = tmp_path / "home.png"
    png.value.save_as(saved)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shot(page, "home")


def test_country_page_shows_blackout_level_start_and_networks(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/country/KZ?from=2022-01-02T00:00:00Z&until=2022-01-12T00:00:00Z")
    page.locator("#networks table").wait_for()
    assert page.locator("#title").inner_text() == "Kazakhstan (KZ)"
    assert {p.get_attribute("data-series") for p in page.locator("#chart path").all()} == {
        "probe",
        "bgp",
        "traffic",
    }
    assert page.locator('#chart rect[data-event="kz-2022-blackout"]').count() == 1
    assert "Blackout 3.0 %" in page.locator("#chart svg").inner_html()
    event_row = page.locator('#events tr[data-event="kz-2022-blackout"]').inner_text()
    assert (
        "3.0 %" in event_row and "2022-01-05 10:35 UTC" in event_row and "2022-01-10 05:00 UTC" in event_row
    )
    kcell = page.locator('#networks tr[data-entity="asn:29355"]').inner_text()
    fixed = page.locator('#networks tr[data-entity="asn:9198"]').inner_text()
    assert "Kcell JSC (AS29355)" in kcell and "mobile" in kcell
    assert "JSC Kazakhtelecom (AS9198)" in fixed and "fixed" in fixed
    lowest = float(kcell.split("\t")[3].split(" ")[0])
    assert lowest < 10
    assert "Almaty" in page.locator("#regions").inner_text()
    assert "Whatsapp in Kazakhstan" in page.locator("#services").inner_text()
    shot(page, "country-KZ")


def test_country_view_is_shareable_and_downloadable(page: Page, base_url: str, tmp_path: Path) -> None:
    page.goto(f"{base_url}/country/KZ")
    page.locator("#networks table").wait_for()
    page.locator('button[data-days="7"]').click()
    page.locator("button[data-mode='raw']").click()
    page.wait_for_function("document.querySelector('#share').value.includes('mode=raw')")
    shared = page.locator("#share").input_value()
    assert "from=2022-01-05T00%3A00%3A00Z" in shared or "from=2022-01-05T00:00:00Z" in shared
    with page.expect_download() as png:
        page.locator("#png").click()
    saved = tmp_path / "chart.png"
    png.value.save_as(saved)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and saved.stat().st_size > 5000
    csv_url = page.locator("#csv").get_attribute("href") or ""
    csv_text = page.request.get(base_url + csv_url).text()
    assert csv_text.startswith("time,entity,signal,value\n") and "country:KZ,probe," in csv_text
    page.goto(shared)
    page.locator("#networks table").wait_for()
    assert page.locator("button.on[data-mode='raw']").count() == 1


def test_event_page_shows_phases_and_evidence(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/event/kz-2022-blackout")
    page.locator("#phases table").wait_for()
    assert page.locator("#title").inner_text() == "Blackout in Kazakhstan"
    facts = page.locator("#facts").inner_text()
    assert (
        "3.0 % of ordinary (severe)" in facts and "2022-01-05 10:35 UTC" in facts and "mobile, fixed" in facts
    )
    notes = page.locator("#phases td:nth-child(4)").all_inner_texts()
    assert notes == ["blackout", "partial restoration", "blackout"]
    assert page.locator("#chart path").count() == 3
    parts = page.locator("#parts").inner_text()
    assert "Kcell JSC (AS29355)" in parts and "JSC Kazakhtelecom (AS9198)" in parts
    shot(page, "event")
