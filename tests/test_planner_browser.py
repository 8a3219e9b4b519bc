"""The planner pages in headless Chromium at phone and desktop width, offline.

Every request to a host other than 127.0.0.1 is aborted, so map tiles never
load and the pages must still show outlines, cells and legends. Set
ADUAN_SCREENSHOT_DIR to keep screenshots of each page for review.
"""

from __future__ import annotations

import re
import os
from pathlib import Path

import pytest

from app.demo import DemoTargets
from app.demo import generate_demo
from tests.conftest import COMPLAINT_TABLES

pytest.importorskip("playwright.sync_api")

from tests.test_crew_support import PASSWORD
from tests.test_crew_support import staff_accounts  # noqa: F401
from tests.browser_support import browser_marks
from tests.browser_support import PHONE
from tests.browser_support import browser  # noqa: F401
from tests.browser_support import serve

DESKTOP = {"width": 1280, "height": 900}
FILTERS = "from=2025-01-01&to=2025-12-31"

pytestmark = browser_marks


@pytest.fixture(scope="module")
def demo_complaints(app, loaded_city):
    services = app.extensions["aduan"]
    with services.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {COMPLAINT_TABLES} RESTART IDENTITY CASCADE")
    targets = DemoTargets(selesai=380, menunggu=30, proses=5, ditolak=5)
    with app.app_context(), services.new_session() as session:
        generate_demo(session, loaded_city, 2025, seed=3, targets=targets)
    yield
    with services.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {COMPLAINT_TABLES} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="module")
def live_server(app, demo_complaints, staff_accounts):
    with serve(app) as url:
        yield url




def log_in_as_planner(page) -> None:
    from app.auth import login_throttle

    login_throttle.reset("planner")
    page.goto("/petugas/masuk")
    page.fill("#username", "planner")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/planner/"))


def _open(browser, live_server, viewport):
    context = browser.new_context(
        viewport=viewport, base_url=live_server, locale="id-ID"
    )
    blocked: list[str] = []

    def only_local(route):
        if route.request.url.startswith("http://127.0.0.1:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    log_in_as_planner(page)
    page.errors = []
    page.blocked = blocked
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def page(request, browser, live_server):
    context, page = _open(browser, live_server, request.param)
    page.viewport_name = "phone" if request.param is PHONE else "desktop"
    yield page
    context.close()


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("ADUAN_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=f"{folder}/planner-{name}-{page.viewport_name}.png", full_page=True
        )


def _non_tile_requests_blocked(page) -> list[str]:
    return [url for url in page.blocked if "tile.openstreetmap.org" not in url]


def test_browser_dashboard_shows_figures(page):
    page.goto(f"/planner/?{FILTERS}")
    cards = page.locator(".figure-card")
    assert cards.count() == 6
    assert cards.first.locator(".figure-value").inner_text() == "420"
    assert page.locator("table.trend tbody tr").count() == 12
    assert "Persentase selesai" in page.locator(".figure-cards").inner_text()
    _screenshot(page, "dashboard")
    assert page.errors == []


def test_browser_heatmap_compare_draws_cells_and_legend(page):
    page.goto(
        f"/planner/heatmap?{FILTERS}&compare_from=2025-01-01&compare_to=2025-06-30"
    )
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    assert page.locator(".folium-map.leaflet-container").count() == 2
    assert page.locator(".legend-list li").count() >= 2
    assert page.locator(".leaflet-control-layers").count() == 2
    _screenshot(page, "heatmap")
    assert page.errors == []
    assert _non_tile_requests_blocked(page) == []


def test_browser_choropleth_draws_kelurahan(page):
    page.goto("/planner/areas?level=kelurahan&measure=share_finished")
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    assert page.locator(".legend-list li").count() >= 2
    assert page.locator("tbody tr").count() == 104
    _screenshot(page, "areas")
    assert page.errors == []


def test_browser_hotspots_show_bins_and_method(page):
    page.goto(f"/planner/hotspots?{FILTERS}&cell_size_m=500")
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    assert page.locator(".legend-bins li").count() == 7
    assert "Benjamini-Hochberg" in page.locator(".method").inner_text()
    _screenshot(page, "hotspots")
    assert page.errors == []
    assert _non_tile_requests_blocked(page) == []


def test_browser_hotspot_months_step(page):
    page.goto("/planner/hotspots/months?month=2025-11&previous=3&cell_size_m=500")
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    assert page.locator("tbody tr").count() == 4
    _screenshot(page, "months")
    page.locator("a[rel=prev]").click()
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    assert "month=2025-10" in page.url
    assert page.errors == []


def test_browser_cell_tooltip_shows_count(browser, live_server):
    context, page = _open(browser, live_server, DESKTOP)
    page.goto("/planner/hotspots?cell_size_m=2000&shape=square")
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".cell-tooltip")
    assert "Aduan dalam sel" in page.locator(".cell-tooltip").inner_text()
    context.close()


def test_browser_print_hides_filters(browser, live_server):
    context, page = _open(browser, live_server, DESKTOP)
    page.goto(f"/planner/heatmap?{FILTERS}")
    page.wait_for_selector(".leaflet-overlay-pane canvas")
    page.emulate_media(media="print")
    assert not page.locator(".planner-filters").is_visible()
    assert page.locator(".filter-summary").is_visible()
    assert page.locator(".legend").is_visible()
    assert len(page.pdf(format="A4")) > 10_000
    context.close()
