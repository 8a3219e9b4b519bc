"""The citizen pages in headless Chromium at phone width, offline.

Every request to a host other than 127.0.0.1 is aborted, so the map tiles never
load: the tests also show that the pages work without them. Set
ADUAN_SCREENSHOT_DIR to keep 360 px screenshots of each page for review.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.test_citizen_helpers import HOSTILE_TEXT
from tests.test_citizen_helpers import SUKARASA
from tests.test_citizen_helpers import file_complaint
from tests.test_citizen_helpers import jpeg_bytes
from tests.test_citizen_helpers import move_status
from tests.browser_support import browser_marks
from tests.browser_support import PHONE
from tests.browser_support import browser  # noqa: F401
from tests.browser_support import serve

pytest.importorskip("playwright.sync_api")

# About 20 m north-east of SUKARASA: inside the same kelurahan, within 50 m.
NEAR_SUKARASA = (SUKARASA[0] + 0.00012, SUKARASA[1] + 0.00012)

pytestmark = browser_marks


@pytest.fixture(scope="module")
def live_server(app, loaded_city):
    with serve(app) as url:
        yield url




@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, base_url=live_server, locale="id-ID",
        geolocation={"latitude": SUKARASA[0], "longitude": SUKARASA[1], "accuracy": 25},
        permissions=["geolocation"],
    )
    context.route("**/*", _only_local)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message),
                                      dialog.dismiss()))
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def _only_local(route):
    if route.request.url.startswith("http://127.0.0.1:"):
        route.continue_()
    else:
        route.abort()


def screenshot(page, name: str) -> None:
    folder = os.environ.get("ADUAN_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def click_map_at(page, lat: float, lon: float) -> None:
    """Zoom the filing map to a point and click there with the mouse."""
    map_name = page.get_attribute("#complaint-form", "data-map-name")
    page.locator(".map-box-filing").scroll_into_view_if_needed()
    page.evaluate(f"() => window['{map_name}'].setView([{lat}, {lon}], 17, "
                  "{animate: false})")
    point = page.evaluate(f"() => window['{map_name}'].latLngToContainerPoint("
                          f"[{lat}, {lon}])")
    box = page.locator(".map-box-filing").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def count_rows(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_file_photo_status_and_confirm(page, app, engine, clean_complaints, tmp_path):
    photo = tmp_path / "lubang.jpg"
    photo.write_bytes(jpeg_bytes(800, 600))
    page.goto("/")
    screenshot(page, "file-empty")
    page.select_option("#category", "jalan-rusak")
    click_map_at(page, *SUKARASA)
    page.wait_for_selector("#area-text:has-text('Sukarasa')")
    assert "Tangerang" in page.inner_text("#area-text")

    page.set_input_files("#photo", str(photo))
    page.wait_for_function(
        "() => document.getElementById('photo_upload').value.length > 0")
    page.fill("#description", "Jalan berlubang dalam di depan SDN Sukarasa 3")
    page.fill("#address_note", "RT 02/RW 04")
    screenshot(page, "file-filled")
    page.click("#submit")
    page.wait_for_url("**/lacak/ADU-*")
    screenshot(page, "status-new")

    code = page.inner_text("#tracking-code").strip()
    assert code.startswith("ADU-")
    assert page.locator(".timeline-photo img").count() == 1
    assert count_rows(engine, "SELECT count(*) FROM complaint_photo") == 1
    private_link = page.input_value("#reporter-link-url")
    assert "token=" in private_link

    move_status(app, code, "proses", "selesai")
    page.goto(private_link)
    page.click("label[for=confirm-rating-5]")
    page.click("#confirm-submit")
    page.wait_for_selector("#rating-given")
    screenshot(page, "status-confirmed")
    assert count_rows(engine, "SELECT count(*) FROM complaint "
                      "WHERE confirmed_at IS NOT NULL AND rating = 5") == 1
    assert page.errors == []


def test_support_nearby_instead_of_filing(page, client, engine, clean_complaints):
    existing = file_complaint(client, description="Lubang di jalan dekat pasar")
    page.goto("/")
    page.select_option("#category", "jalan-rusak")
    click_map_at(page, *NEAR_SUKARASA)
    page.wait_for_selector(f"#nearby-list:has-text('{existing['tracking_code']}')")
    screenshot(page, "file-nearby")

    page.click(".support-button")
    page.fill("#support-name", "Budi")
    page.fill("#support-phone", "081234567890")
    page.check("#support-consent")
    page.click("#support-send")
    page.wait_for_selector("#support-done:not([hidden])")
    screenshot(page, "file-supported")

    assert count_rows(engine, "SELECT support_count FROM complaint") == 1
    assert count_rows(engine, "SELECT count(*) FROM complaint") == 1
    assert count_rows(engine, "SELECT count(*) FROM complaint_supporter "
                      "WHERE phone = '081234567890' AND consent_at IS NOT NULL") == 1
    assert count_rows(engine, "SELECT count(*) FROM complaint_event "
                      "WHERE kind = 'support'") == 1


def test_use_my_location_shows_accuracy(page, engine, clean_complaints):
    page.goto("/")
    page.select_option("#category", "pju")
    page.click("#use-location")
    page.wait_for_selector("#area-text:has-text('Sukarasa')")
    assert "25" in page.inner_text("#geo-status")
    assert page.input_value("#location_source") == "gps"
    assert page.input_value("#accuracy_m") == "25"


def test_hostile_description_stays_text(page, client, clean_complaints):
    filed = file_complaint(client, description=HOSTILE_TEXT)
    page.goto("/peta")
    screenshot(page, "public-map")
    page.locator(".leaflet-interactive").first.click()
    popup = page.wait_for_selector(".complaint-popup")
    assert "${alert(2)}" in popup.inner_text()
    page.goto(f"/lacak/{filed['tracking_code']}")
    screenshot(page, "status-public")
    assert HOSTILE_TEXT.strip() in page.inner_text(".description")
    assert page.dialogs == []
    assert page.errors == []


def test_swapped_coordinates_error_beside_location(page, engine, clean_complaints):
    page.goto("/")
    page.select_option("#category", "jalan-rusak")
    page.fill("#description", "Jalan amblas di tikungan")
    page.click("#typed-coordinates summary")
    page.fill("#lat", str(SUKARASA[1]))
    page.fill("#lon", str(SUKARASA[0]))
    page.click("#submit")
    page.wait_for_selector("#location-error:not([hidden])")
    screenshot(page, "file-swapped")
    assert "tertukar" in page.inner_text("#location-error-text")
    assert page.input_value("#description") == "Jalan amblas di tikungan"
    assert count_rows(engine, "SELECT count(*) FROM complaint") == 0

    page.click("#use-suggestion")
    page.wait_for_selector("#area-text:has-text('Sukarasa')")
    page.click("#submit")
    page.wait_for_url("**/lacak/ADU-*")
    assert count_rows(engine, "SELECT count(*) FROM complaint") == 1


def test_typed_coordinates_replace_earlier_pin(page, engine, clean_complaints):
    """Unusable typed values must not let the complaint go out at the old pin."""
    page.goto("/")
    page.select_option("#category", "jalan-rusak")
    page.fill("#description", "Jalan amblas di tikungan")
    click_map_at(page, *SUKARASA)
    page.wait_for_selector("#area-text:has-text('Sukarasa')")
    page.click("#typed-coordinates summary")
    page.fill("#lat", str(SUKARASA[1]))
    page.fill("#lon", str(SUKARASA[0]))
    page.click("#submit")
    page.wait_for_selector("#location-error:not([hidden])")
    assert "tertukar" in page.inner_text("#location-error-text")
    assert count_rows(engine, "SELECT count(*) FROM complaint") == 0


def test_language_switch_keeps_draft(page, clean_complaints):
    page.goto("/")
    page.select_option("#category", "jalan-rusak")
    page.fill("#description", "Jalan amblas di tikungan")
    click_map_at(page, *SUKARASA)
    page.wait_for_selector("#area-text:has-text('Sukarasa')")
    page.click(".language-switch a")
    page.wait_for_url("**lang=en*")
    assert page.input_value("#category") == "jalan-rusak"
    assert page.input_value("#description") == "Jalan amblas di tikungan"
    page.wait_for_selector("#area-text:has-text('Sukarasa')")


def test_service_without_map_is_confidential(page, engine, clean_complaints):
    page.goto("/")
    page.select_option("#category", "adminduk")
    assert page.locator("#step-location").is_hidden()
    assert page.is_checked("#confidential")
    assert page.is_disabled("#confidential")
    page.fill("#description", "KTP elektronik belum jadi sejak tiga bulan, NIK saya "
              "3671010101010001")
    page.click("#submit")
    page.wait_for_url("**/lacak/ADU-*")
    screenshot(page, "status-confidential")
    assert "3671010101010001" not in page.content()
    assert count_rows(engine, "SELECT count(*) FROM complaint "
                      "WHERE confidential AND location IS NULL") == 1
