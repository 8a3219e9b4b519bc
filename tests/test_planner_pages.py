"""Planner pages render with filters, escape database text and reject bad input."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app.planner.synthetic import insert_complaints_in_city
from tests.test_crew_support import login
from tests.test_crew_support import staff_accounts  # noqa: F401

JAKARTA = ZoneInfo("Asia/Jakarta")
HOSTILE = '<img src=x onerror="alert(1)">'
FILTERS = (
    "from=2025-01-01&to=2025-12-31&category=pju&category=jalan-rusak"
    "&opd=DISHUB,DPUPR&kecamatan=36.71.01&status=menunggu"
)
PAGES = (
    "/planner/",
    "/planner/heatmap",
    "/planner/areas",
    "/planner/hotspots",
    "/planner/hotspots/months?month=2025-06",
)



@pytest.fixture
def client(app, loaded_city, staff_accounts):
    """A test client logged in as a planner; the planner pages are for staff only."""
    client = app.test_client()
    login(client, "planner")
    return client

@pytest.fixture
def some_complaints(engine, clean_complaints):
    with engine.begin() as conn:
        insert_complaints_in_city(
            conn,
            "36.71",
            1500,
            received_from=dt.datetime(2025, 1, 1, tzinfo=JAKARTA),
            received_until=dt.datetime(2026, 1, 1, tzinfo=JAKARTA),
        )


@pytest.fixture
def hostile_names(engine, loaded_city):
    """Give a kelurahan, a kecamatan and a category names that contain HTML."""
    updates = (
        ("area", "name", "code = '36.71.01.1001'"),
        ("area", "name", "code = '36.71.01'"),
        ("category", "name_id", "code = 'pju'"),
    )
    with engine.begin() as conn:
        saved = [
            conn.execute(text(f"SELECT {column} FROM {table} WHERE {where}")).all()
            for table, column, where in updates
        ]
        for table, column, where in updates:
            conn.execute(
                text(f"UPDATE {table} SET {column} = :name WHERE {where}"),
                {"name": HOSTILE},
            )
    yield
    with engine.begin() as conn:
        for (table, column, where), rows in zip(updates, saved, strict=True):
            conn.execute(
                text(f"UPDATE {table} SET {column} = :name WHERE {where}"),
                {"name": rows[0][0]},
            )


@pytest.mark.parametrize("path", PAGES)
def test_planner_page_renders_with_filters(client, some_complaints, path):
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{path}{joiner}{FILTERS}")
    assert response.status_code == 200
    assert b'class="planner-filters' in response.data


@pytest.mark.parametrize("path", PAGES[1:])
def test_planner_map_pages_have_map_and_legend(client, some_complaints, path):
    page = client.get(path).get_data(as_text=True)
    assert 'class="folium-map"' in page
    assert 'class="legend-list' in page
    assert "/vendor/leaflet/leaflet.js" in page
    assert "cdn.jsdelivr.net" not in page


def test_planner_dashboard_shows_figures_in_indonesian(client, some_complaints):
    page = client.get("/planner/").get_data(as_text=True)
    assert "Diterima" in page
    assert "Persentase selesai" in page
    assert "1.500" in page


def test_planner_dashboard_in_english(client, some_complaints):
    page = client.get("/planner/?lang=en").get_data(as_text=True)
    assert "Share finished" in page
    assert "1,500" in page


@pytest.mark.parametrize("path", PAGES)
def test_planner_pages_escape_database_text(
    client, some_complaints, hostile_names, path
):
    page = client.get(path).get_data(as_text=True)
    assert HOSTILE not in page
    assert "<img src=x" not in page


def test_choropleth_tooltip_names_are_escaped(client, some_complaints, hostile_names):
    page = client.get("/planner/areas?level=kelurahan").get_data(as_text=True)
    # The name is HTML-escaped for the tooltip's innerHTML, then JSON-escaped
    # inside the script, so it shows as text and cannot end the script.
    assert "\\u0026lt;img src=x onerror=" in page


def test_choropleth_kelurahan_lists_every_kelurahan(client, some_complaints):
    page = client.get("/planner/areas?level=kelurahan&measure=density").get_data(
        as_text=True
    )
    assert page.count('<tr><th scope="row"><span class="swatch"') == 104


def test_stats_api_returns_published_figures(client, some_complaints):
    body = client.get("/api/stats?from=2025-01-01&to=2025-12-31").json
    assert body["total"]["received"] == 1500
    assert body["method"]["share_finished"] == "selesai / received"
    assert body["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert len(body["by_month"]) == 12


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-13-01", "from"),
        ("from=2025-02-01&to=2025-01-01", "to"),
        ("category=lampu", "category"),
        ("opd=XYZ", "opd"),
        ("status=open", "status"),
    ],
)
def test_stats_api_rejects_bad_filters(client, query, field):
    response = client.get(f"/api/stats?{query}")
    assert response.status_code == 400
    assert response.json["error"]["field"] == field


def test_planner_page_rejects_bad_filter_with_html(client):
    response = client.get(
        "/planner/heatmap?to=31-12-2025", headers={"Accept": "text/html"}
    )
    assert response.status_code == 400
    assert b"TTTT-BB-HH" in response.data


def test_choropleth_rejects_unknown_measure(client):
    response = client.get("/planner/areas?measure=area")
    assert response.status_code == 400


def test_planner_pages_have_print_stylesheet(client):
    with client.get("/static/css/planner.css") as response:
        css = response.get_data(as_text=True)
    assert "@media print" in css


def test_months_page_defines_periods(client, some_complaints):
    page = client.get("/planner/hotspots/months?month=2025-06&previous=2&lang=en")
    text_body = page.get_data(as_text=True)
    assert "Latest period: June 2025" in text_body
    assert "the 2 months from April 2025" in text_body


def test_months_page_defaults_to_latest_month(client, some_complaints):
    page = client.get("/planner/hotspots/months?previous=1&lang=en")
    assert "Latest period: December 2025" in page.get_data(as_text=True)
