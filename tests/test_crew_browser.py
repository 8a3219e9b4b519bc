"""A crew member's day in headless Chromium at phone width, offline.

Every request to a host other than 127.0.0.1 is aborted, so the map tiles never
load and the pages must work without them. Set ADUAN_SCREENSHOT_DIR to keep the
360 px screenshots for review.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.test_crew_support import PASSWORD
from tests.test_crew_support import SUKARASA
from tests.test_crew_support import events_of
from tests.test_crew_support import file_complaint
from tests.test_crew_support import jpeg_bytes
from tests.test_crew_support import staff_accounts  # noqa: F401 - fixture
from tests.browser_support import browser_marks
from tests.browser_support import PHONE
from tests.browser_support import browser  # noqa: F401
from tests.browser_support import serve

pytest.importorskip("playwright.sync_api")


pytestmark = browser_marks


@pytest.fixture(scope="module")
def live_server(app, loaded_city):
    with serve(app) as url:
        yield url




def _only_local(route):
    if route.request.url.startswith("http://127.0.0.1:"):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        viewport=PHONE,
        base_url=live_server,
        locale="id-ID",
        geolocation={"latitude": SUKARASA[0], "longitude": SUKARASA[1], "accuracy": 20},
        permissions=["geolocation"],
    )
    context.route("**/*", _only_local)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("ADUAN_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str, full_page: bool = True) -> None:
        page.screenshot(path=str(folder / f"crew-{name}.png"), full_page=full_page)

    return shoot


@pytest.fixture
def tasks(app, clean_complaints, staff_accounts):  # noqa: F811
    lat, lon = SUKARASA
    # Nearest first: about 30 m, 120 m and 400 m away.
    return [
        file_complaint(app, lat + 0.00027, lon)[1],
        file_complaint(app, lat, lon + 0.0011)[1],
        file_complaint(app, lat - 0.0036, lon)[1],
    ]


def log_in(page, username: str = "crew-dpupr") -> None:
    from app.auth import login_throttle

    login_throttle.reset(username)
    page.goto("/petugas/masuk")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/petugas/tugas"))


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_crew_day_on_a_phone(page, engine, tasks, shots, tmp_path):
    page.goto("/petugas/masuk")
    shots(page, "login")
    log_in(page)
    shots(page, "tasks-without-position")

    page.click("#locate-me")
    page.wait_for_url(re.compile(r"lat=-6\.17"))
    codes = page.locator(".task-card .task-code").all_inner_texts()
    assert codes == tasks
    assert page.locator(".task-distance").first.inner_text() == "30 m"
    assert page_width(page) <= PHONE["width"]
    shots(page, "tasks")
    page.locator(".task-card").first.scroll_into_view_if_needed()
    shots(page, "tasks-scrolled", full_page=False)

    page.check(f"input[name=code][value='{tasks[2]}']")
    page.check(f"input[name=code][value='{tasks[0]}']")
    page.click("#route-form button[type=submit]")
    page.wait_for_url(re.compile(r"/petugas/rute"))
    stops = page.locator(".route-stop-item .task-code").all_inner_texts()
    assert [text.split(" ")[0] for text in stops] == [tasks[0], tasks[2]]
    assert page.locator(".route-stop-item a[href^='geo:']").count() == 2
    assert page.locator(".leaflet-marker-icon .route-stop-number").count() == 2
    assert page_width(page) <= PHONE["width"]
    shots(page, "route")

    page.click(".route-stop-item a.task-title >> nth=0")
    page.wait_for_url(re.compile(tasks[0]))
    page.click("text=Ambil tugas ini")
    page.wait_for_selector("text=Anda mengambil tugas ini.")
    shots(page, "task-taken")

    photo = tmp_path / "hasil.jpg"
    photo.write_bytes(jpeg_bytes((800, 600)))
    page.set_input_files("#finish-photo", str(photo))
    page.fill("#finish-note", "Lubang sudah ditambal")
    page.click("text=Tandai selesai")
    page.wait_for_selector("text=Tugas selesai. Terima kasih!")
    assert page_width(page) <= PHONE["width"]
    shots(page, "task-finished")

    with engine.connect() as conn:
        complaint_id = conn.exec_driver_sql(
            "SELECT id FROM complaint WHERE tracking_code = %s", (tasks[0],)
        ).scalar_one()
    assert [
        event.to_status
        for event in events_of(engine, complaint_id)
        if event.kind == "status"
    ] == ["proses", "selesai"]
    assert page.errors == []


def test_map_tap_sets_position(page, tasks):
    log_in(page)
    page.wait_for_function(
        "typeof window[document.querySelector("
        "'[data-map-name]').dataset.mapName] === 'object'"
    )
    page.locator(".crew-map .folium-map").click(position={"x": 120, "y": 90})
    page.wait_for_url(re.compile(r"lat=.*lon="))
    assert page.locator(".result-count").count() == 1
    assert page.errors == []


def test_overdue_page_on_a_phone(page, app, clean_complaints, shots):
    from datetime import timedelta

    file_complaint(app, *SUKARASA, due_in=-timedelta(days=2))
    log_in(page, "opdadmin-dpupr")
    page.goto("/admin/terlambat")
    assert page.locator(".overdue-list .task-card").count() == 1
    assert page_width(page) <= PHONE["width"]
    shots(page, "overdue")
    page.goto("/admin/pengguna")
    assert page_width(page) <= PHONE["width"]
    shots(page, "accounts")
