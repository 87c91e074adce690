"""A real headless Chromium (Debian's, driven by Playwright) reads the dashboard like a person would.

The server is the real app under uvicorn on loopback, over a store filled with Kazakhstan-like
signals and events, marked synthetic (as the replay marks its store). Screenshots go to
tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from tests.integration.chromium import CHROMIUM
from tests.integration.harness import record_failed_request

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/system-deps.sh)"),
]


@pytest.fixture(params=[1280])
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    width = request.param
    context = browser.new_context(
        viewport={"width": width, "height": 1000}, accept_downloads=True, has_touch=width < 600
    )
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda msg: _console(problems, msg))
    opened.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    opened.on("requestfailed", lambda req: record_failed_request(problems, req))
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
    assert {p.get_attribute("data-series") for p in page.locator("#chart [data-series]").all()} == {
        "probe",
        "bgp",
        "traffic",
    }
    assert page.locator('#chart .shade[data-event="kz-2022-blackout"]').count() == 1
    assert "Blackout 3.0 %" in page.locator("#chart .shade").inner_text()
    event_row = page.locator('#events tr[data-event="kz-2022-blackout"]').inner_text()
    assert (
        "3.0 %" in event_row and "2022-01-05 10:35 UTC" in event_row and "2022-01-10 05:00 UTC" in event_row
    )
    assert "(16:35 local)" in event_row and "4 d 18 h" in event_row  # Asia/Almaty was UTC+6 in 2022
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
    assert page.locator("#chart [data-series]").count() == 3
    assert "4 d 18 h" in facts and "Asia/Almaty" in facts
    parts = page.locator("#parts").inner_text()
    assert "Kcell JSC (AS29355)" in parts and "JSC Kazakhtelecom (AS9198)" in parts
    shot(page, "event")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def download(page: Page, button: str, into: Path) -> bytes:
    with page.expect_download() as saved:
        page.locator(button).click()
    path = into / saved.value.suggested_filename
    saved.value.save_as(path)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"download-{path.name}").write_bytes(path.read_bytes())
    return path.read_bytes()


def test_kz_chart_downloads_carry_title_legend_zone_source_and_synthetic_mark(
    page: Page, base_url: str, tmp_path: Path
) -> None:
    page.goto(f"{base_url}/country/KZ?from=2022-01-02T00:00:00Z&until=2022-01-12T00:00:00Z")
    page.locator("#networks table").wait_for()
    page.locator("#source .badge.synthetic").wait_for()
    svg = download(page, "#svg", tmp_path).decode()
    assert "Internet connectivity in Kazakhstan (KZ)" in svg
    for name in ("probe", "bgp", "traffic"):
        assert f'data-legend="{name}"' in svg
    assert "Units: % of ordinary" in svg
    assert "Times in UTC (local time zone: Asia/Almaty)" in svg
    assert "Source: netvigil; signals:" in svg and "probe (test)" in svg
    assert "SYNTHETIC — test store shaped on Kazakhstan, January 2022" in svg
    assert 'data-event="kz-2022-blackout"' in svg
    width, height = png_size(download(page, "#png", tmp_path))
    assert (width, height) == (2400, 2 * int(svg.split('height="')[1].split('"')[0]))


def test_chart_hover_shows_utc_and_local_values_and_zoom_is_shared(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/country/KZ?from=2022-01-02T00:00:00Z&until=2022-01-12T00:00:00Z")
    page.locator("#networks table").wait_for()
    over = page.locator("#chart .u-over")
    box = over.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    legend = page.locator("#chart .u-legend").inner_text()
    assert "UTC" in legend and "local" in legend and " %" in legend
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 20, steps=5)
    page.mouse.up()
    expect(page.locator("#range")).not_to_have_text(re.compile(r"^2022-01-02 00:00"))
    shared = page.locator("#share").input_value()
    assert "until=2022-01-0" in shared.replace("%3A", ":")
    page.goto(shared)
    page.locator("#networks table").wait_for()
    shown = page.locator("#range").inner_text()
    assert shown.startswith("2022-01-0") and not shown.startswith("2022-01-02 00:00")
    assert "embed=1" in page.locator("#embed").input_value()


@pytest.mark.parametrize("page", [390], indirect=True)
@pytest.mark.parametrize(
    ("name", "path", "ready"),
    [
        ("home", "/?at=2022-01-06T00:00:00Z", "#disrupted li"),
        ("country-KZ", "/country/KZ?from=2022-01-02T00:00:00Z&until=2022-01-12T00:00:00Z", "#networks table"),
        ("event", "/event/kz-2022-blackout", "#phases table"),
    ],
)
def test_phone_layout_has_no_sideways_scroll_and_readable_text(
    page: Page, base_url: str, name: str, path: str, ready: str
) -> None:
    """At 390 px: nothing wider than the screen, no text under 12 px, the chart drawn at the phone's width."""
    page.goto(base_url + path)
    page.locator(ready).first.wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('main *')]
             .filter((n) => [...n.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()))
             .filter((n) => n.getClientRects().length)
             .map((n) => parseFloat(getComputedStyle(n).fontSize)))"""
    )
    assert smallest >= 12
    if page.locator("#chart canvas").count():
        assert page.locator("#chart canvas").bounding_box()["width"] <= 390  # type: ignore[index]
    shot(page, f"phone-{name}")


def test_embed_shows_only_the_chart_and_empty_country_says_what_to_do(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/country/KZ?embed=1")
    page.locator("#chart .u-over").wait_for()
    assert not page.locator("header.top").is_visible()
    assert not page.locator("#networks").is_visible()
    assert page.locator("#chart-title").is_visible()
    page.goto(f"{base_url}/country/FR")
    page.locator("#networks .empty").wait_for()
    assert "netvigil monitor FR" in page.locator("#chart").inner_text()
    assert "ongoing" not in page.locator("#events").inner_text()
