"""Heatmap cells are counted in PostGIS; the page size depends on cells, not rows."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import text

from app.planner.heatmap import CELL_DEGREES
from app.planner.heatmap import MAX_CELL_ENTRY_BYTES
from app.planner.heatmap import MAX_CELLS
from app.planner.heatmap import class_breaks
from app.planner.heatmap import class_labels
from app.planner.heatmap import degree_box
from app.planner.heatmap import find_heatmap_cells
from app.planner.synthetic import insert_complaints_in_city
from app.queries.heatmap import find_city_outline
from app.queries.stats import AnalysisFilter
from tests.test_crew_support import login
from tests.test_crew_support import staff_accounts  # noqa: F401

UTC = dt.timezone.utc
#: Documented size limit of a one-period heatmap page of Kota Tangerang.
PAGE_BYTES_BOUND = 400_000

# One INSERT ... SELECT over generate_series: uniform points over the city's
# bounding box, so nearly every cell of the heatmap grid gets complaints.
BULK_INSERT = """
INSERT INTO complaint (city_code, tracking_code, category_id, description, opd_id,
                       routing_rule, received_at, due_at, status_changed_at,
                       location, location_source, area_id)
SELECT '36.71', 'BULK' || g, cat.id, 'bulk', cat.opd_id, 'synthetic',
       timestamptz '2025-01-01' + (g % 365) * interval '1 day',
       timestamptz '2025-12-31', timestamptz '2025-01-01',
       ST_SetSRID(ST_MakePoint(:min_lon + random() * (:max_lon - :min_lon),
                               :min_lat + random() * (:max_lat - :min_lat)), 4326),
       'import', (SELECT min(id) FROM area WHERE rank = 2)
FROM generate_series(1, :rows) AS g
CROSS JOIN (SELECT id, opd_id FROM category WHERE code = 'pju') AS cat
"""


def _bulk_insert(engine, rows: int) -> None:
    with engine.connect() as conn:
        version_outline = find_city_outline(conn, "36.71")
    min_lon, min_lat, max_lon, max_lat = version_outline[1].bounds
    with engine.begin() as conn:
        conn.execute(text("SELECT setseed(0.42)"))
        conn.execute(
            text(BULK_INSERT),
            {
                "rows": rows,
                "min_lon": min_lon,
                "max_lon": max_lon,
                "min_lat": min_lat,
                "max_lat": max_lat,
            },
        )


def _payload_cells(page: str) -> list:
    match = re.search(r'"cells":(\[\[.*?\]\])', page)
    return json.loads(match.group(1)) if match else []



@pytest.fixture
def client(app, loaded_city, staff_accounts):
    """A test client logged in as a planner; the planner pages are for staff only."""
    client = app.test_client()
    login(client, "planner")
    return client

def test_class_breaks_follow_one_two_five_ladder():
    assert class_breaks(37) == [1, 2, 5, 10, 20]
    assert class_labels([1, 2, 5, 10, 20], 37) == [
        "1",
        "2\u20134",
        "5\u20139",
        "10\u201319",
        "20\u201337",
    ]


def test_class_breaks_coarsen_for_large_counts():
    breaks = class_breaks(250_000)
    assert len(breaks) <= 7
    assert breaks[0] == 1
    assert breaks[-1] <= 250_000


def test_degree_box_covers_city_with_bounded_cells(engine, loaded_city):
    with engine.connect() as conn:
        outline = find_city_outline(conn, "36.71")[1]
    box = degree_box(outline.bounds)
    min_lon, min_lat, max_lon, max_lat = box.bounds()
    assert min_lon < outline.bounds[0]
    assert max_lon > outline.bounds[2]
    assert min_lat < outline.bounds[1]
    assert max_lat > outline.bounds[3]
    assert box.cell_count <= MAX_CELLS
    assert box.size == CELL_DEGREES


def test_heatmap_cells_sum_to_located_complaints(engine, clean_complaints):
    with engine.begin() as conn:
        insert_complaints_in_city(
            conn,
            "36.71",
            2000,
            received_from=dt.datetime(2025, 1, 1, tzinfo=UTC),
            received_until=dt.datetime(2026, 1, 1, tzinfo=UTC),
        )
        conn.execute(
            text(
                "UPDATE complaint SET location = NULL, location_source = NULL "
                "WHERE id IN (SELECT id FROM complaint ORDER BY id LIMIT 150)"
            )
        )
    with engine.connect() as conn:
        box = degree_box(find_city_outline(conn, "36.71")[1].bounds)
        heatmap = find_heatmap_cells(conn, AnalysisFilter("36.71"), box)
    assert heatmap.mapped == 1850
    assert heatmap.locations.without_location == 150
    assert heatmap.cells_left_out == 0


def test_heatmap_page_notes_complaints_without_location(
    client, engine, clean_complaints
):
    with engine.begin() as conn:
        insert_complaints_in_city(
            conn,
            "36.71",
            40,
            received_from=dt.datetime(2025, 1, 1, tzinfo=UTC),
            received_until=dt.datetime(2026, 1, 1, tzinfo=UTC),
        )
        conn.execute(
            text(
                "UPDATE complaint SET location = NULL, location_source = NULL "
                "WHERE id IN (SELECT id FROM complaint ORDER BY id LIMIT 7)"
            )
        )
    page = client.get("/planner/heatmap?lang=en").get_data(as_text=True)
    assert "7 complaints without a location are not on the map." in page
    assert sum(cell[2] for cell in _payload_cells(page)) == 33


@pytest.mark.slow
def test_heatmap_page_size_depends_on_cells_not_rows(client, engine, clean_complaints):
    empty_page = client.get("/planner/heatmap").get_data()
    _bulk_insert(engine, 100_000)
    page = client.get("/planner/heatmap").get_data()
    cells = _payload_cells(page.decode())
    with engine.connect() as conn:
        box = degree_box(find_city_outline(conn, "36.71")[1].bounds)
    # Uniform points over the city's bounding box fill nearly every cell of the
    # grid, which adds one spare ring of cells around that box. The page then
    # is near the largest any number of complaints can give: one entry per
    # cell of a fixed grid.
    assert len(cells) >= 0.9 * box.cell_count
    assert len(cells) <= box.cell_count
    assert sum(cell[2] for cell in cells) == 100_000
    assert len(page) <= len(empty_page) + box.cell_count * MAX_CELL_ENTRY_BYTES
    assert len(page) < PAGE_BYTES_BOUND


def test_heatmap_compare_shares_one_scale(client, engine, clean_complaints):
    with engine.begin() as conn:
        insert_complaints_in_city(
            conn,
            "36.71",
            300,
            received_from=dt.datetime(2025, 1, 1, tzinfo=UTC),
            received_until=dt.datetime(2025, 2, 1, tzinfo=UTC),
            prefix="JAN",
        )
        insert_complaints_in_city(
            conn,
            "36.71",
            3000,
            received_from=dt.datetime(2025, 6, 1, tzinfo=UTC),
            received_until=dt.datetime(2025, 7, 1, tzinfo=UTC),
            prefix="JUN",
        )
    page = client.get(
        "/planner/heatmap?from=2025-01-01&to=2025-01-31"
        "&compare_from=2025-06-01&compare_to=2025-06-30"
    ).get_data(as_text=True)
    breaks = re.findall(r'"breaks":(\[[0-9,]*\])', page)
    assert len(breaks) == 2
    assert breaks[0] == breaks[1]
    assert page.count('class="planner-map"') == 2
