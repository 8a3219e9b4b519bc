"""Gi* hotspots on the city grid: PostGIS counts, planted clusters, false alarms."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from app.planner.hotspots import city_grid
from app.planner.hotspots import compute_hotspots
from app.planner.hotspots import compute_monthly_hotspots
from app.planner.hotspots import count_cells
from app.planner.synthetic import insert_complaints_in_city
from app.planner.synthetic import insert_complaints_in_disc
from app.queries.stats import AnalysisFilter
from geo.grid import assign_points
from tests.test_crew_support import login
from tests.test_crew_support import staff_accounts  # noqa: F401

UTC = dt.timezone.utc
YEAR_START = dt.datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = dt.datetime(2026, 1, 1, tzinfo=UTC)
# Inside kelurahan 36.71.01.1001 (Sukarasa), away from the city border.
PLANTED_LON, PLANTED_LAT = 106.63, -6.17


@pytest.fixture
def client(app, loaded_city, staff_accounts):
    """A test client logged in as a planner; the planner pages are for staff only."""
    client = app.test_client()
    login(client, "planner")
    return client


def _insert_background(engine, count, seed, prefix="BG"):
    with engine.begin() as conn:
        insert_complaints_in_city(
            conn,
            "36.71",
            count,
            received_from=YEAR_START,
            received_until=YEAR_END,
            seed=seed,
            prefix=prefix,
        )


def _insert_cluster(engine, count, seed, start=YEAR_START, end=YEAR_END, prefix="CL"):
    with engine.begin() as conn:
        insert_complaints_in_disc(
            conn,
            "36.71",
            count,
            PLANTED_LON,
            PLANTED_LAT,
            200.0,
            received_from=start,
            received_until=end,
            seed=seed,
            prefix=prefix,
        )


def _cell_of(grid, lon, lat) -> int:
    return int(assign_points(grid, np.array([lon]), np.array([lat]))[0])


@pytest.mark.parametrize("shape", ["hexagon", "square"])
def test_lattice_counts_equal_assign_points(engine, clean_complaints, shape):
    _insert_background(engine, 3000, seed=4)
    with engine.connect() as conn:
        grid = city_grid(conn, "36.71", 250.0, shape)
        counts, outside = count_cells(conn, grid, AnalysisFilter("36.71"))
        points = conn.execute(
            text("SELECT ST_X(location), ST_Y(location) FROM complaint")
        ).all()
    lon = np.array([point[0] for point in points])
    lat = np.array([point[1] for point in points])
    positions = assign_points(grid, lon, lat)
    expected = np.bincount(positions[positions >= 0], minlength=grid.cell_count)
    assert counts.tolist() == expected.tolist()
    assert outside == int((positions < 0).sum())


def test_hotspots_grid_includes_empty_cells(engine, clean_complaints):
    _insert_cluster(engine, 50, seed=2)
    with engine.connect() as conn:
        hotspot_map = compute_hotspots(conn, AnalysisFilter("36.71"))
    assert hotspot_map.grid.cell_count > 3000
    assert int((hotspot_map.counts == 0).sum()) > 3000
    assert hotspot_map.counted == 50


def test_hotspots_planted_cluster_is_hot_at_its_place(engine, clean_complaints):
    _insert_background(engine, 3000, seed=5)
    _insert_cluster(engine, 250, seed=6)
    with engine.connect() as conn:
        hotspot_map = compute_hotspots(conn, AnalysisFilter("36.71"))
    grid = hotspot_map.grid
    planted = _cell_of(grid, PLANTED_LON, PLANTED_LAT)
    assert hotspot_map.result.bin[planted] == 3

    hot = hotspot_map.result.bin == 3
    centre = grid.centroids_m[planted]
    distances = np.hypot(*(grid.centroids_m[hot] - centre).T)
    assert distances.max() < 1200.0


def test_hotspots_uniform_data_within_fdr(engine, clean_complaints):
    runs_with_hot_cells = 0
    uncorrected_hot = []
    for seed in (21, 22, 23):
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM complaint")
        _insert_background(engine, 6000, seed=seed, prefix=f"U{seed}")
        with engine.connect() as conn:
            hotspot_map = compute_hotspots(conn, AnalysisFilter("36.71"))
        result = hotspot_map.result
        runs_with_hot_cells += int((result.bin > 0).any())
        uncorrected_hot.append(int(((result.p <= 0.10) & (result.z > 0)).sum()))
    # When no cell differs, Benjamini-Hochberg at q = 0.10 flags any cell in at
    # most 10 % of runs (for independent or positively dependent tests), so two
    # runs of three would happen with probability below 3 %.
    assert runs_with_hot_cells <= 1
    # The correction matters: raw p-values flag many cells of the same data.
    assert min(uncorrected_hot) > 20


def test_monthly_new_hotspot_is_latest_cluster(engine, clean_complaints):
    november = dt.datetime(2025, 11, 1, tzinfo=UTC)
    _insert_background(engine, 6000, seed=31)
    _insert_cluster(
        engine, 150, seed=32, start=november, end=dt.datetime(2025, 12, 1, tzinfo=UTC)
    )
    with engine.connect() as conn:
        monthly = compute_monthly_hotspots(
            conn, AnalysisFilter("36.71"), dt.date(2025, 11, 1), 3, UTC
        )
    grid = monthly.latest.grid
    planted = _cell_of(grid, PLANTED_LON, PLANTED_LAT)
    assert [month.month for month in monthly.months] == [8, 9, 10, 11]
    assert monthly.new_hot[planted]
    assert monthly.maps[0].result.bin[planted] <= 0


def test_monthly_persistent_cluster_is_not_new(engine, clean_complaints):
    _insert_background(engine, 6000, seed=41)
    _insert_cluster(engine, 600, seed=42)
    with engine.connect() as conn:
        monthly = compute_monthly_hotspots(
            conn, AnalysisFilter("36.71"), dt.date(2025, 11, 1), 3, UTC
        )
    planted = _cell_of(monthly.latest.grid, PLANTED_LON, PLANTED_LAT)
    assert monthly.latest.result.bin[planted] > 0
    assert not monthly.new_hot[planted]


def test_hotspots_api_returns_geojson_cells(client, engine, clean_complaints):
    _insert_background(engine, 500, seed=51)
    response = client.get("/api/hotspots?cell_size_m=500&shape=square")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.json
    assert body["type"] == "FeatureCollection"
    assert body["metadata"]["cell_size_m"] == 500
    assert body["metadata"]["distance_band_m"] == 1250
    assert body["metadata"]["cell_count"] == len(body["features"])
    assert body["metadata"]["complaints_in_grid"] == 500
    feature = body["features"][0]
    assert set(feature["properties"]) == {
        "cell_id",
        "complaints",
        "z",
        "p",
        "p_adjusted",
        "bin",
    }
    assert sum(f["properties"]["complaints"] for f in body["features"]) == 500


def test_hotspots_api_rings_are_counter_clockwise(client, engine, clean_complaints):
    _insert_background(engine, 200, seed=52)
    body = client.get("/api/hotspots?cell_size_m=800").json
    polygons = [shapely.geometry.shape(f["geometry"]) for f in body["features"]]
    assert all(polygon.exterior.is_ccw for polygon in polygons)
    assert all(polygon.is_valid for polygon in polygons)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cell_size_m=20", "cell_size_m"),
        ("cell_size_m=abc", "cell_size_m"),
        ("distance_band_m=100", "distance_band_m"),
        ("shape=triangle", "shape"),
        ("status=open", "status"),
        ("from=2025-02-30", "from"),
    ],
)
def test_hotspots_api_rejects_bad_parameters(client, query, field):
    response = client.get(f"/api/hotspots?{query}")
    assert response.status_code == 400
    assert response.json["error"]["field"] == field


def test_hotspots_page_shows_distance_band(client, engine, clean_complaints):
    _insert_background(engine, 300, seed=53)
    page = client.get("/planner/hotspots").get_data(as_text=True)
    assert "625 m" in page
    assert "Benjamini-Hochberg" in page
