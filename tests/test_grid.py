"""Tests for the hexagon and square analysis grid in geo.grid."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.geometry import box

from geo.grid import MAX_CELLS
from geo.grid import assign_points
from geo.grid import make_grid

# A point in Kota Tangerang, inside UTM zone 48S (EPSG:32748).
TANGERANG_LON = 106.63
TANGERANG_LAT = -6.18
UTM_48S = 32748
SHAPES = ["hexagon", "square"]
# About 1 cm at this latitude: points closer than this to a cell edge may go
# to either cell.
EDGE_TOLERANCE_DEG = 1e-7


def square_outline(side_m: float, dx_m: float = 0.0) -> Polygon:
    """Return a square of ``side_m`` metres in lon/lat around the test point."""
    to_utm = Transformer.from_crs(4326, UTM_48S, always_xy=True)
    to_lonlat = Transformer.from_crs(UTM_48S, 4326, always_xy=True)
    x, y = to_utm.transform(TANGERANG_LON, TANGERANG_LAT)
    half = side_m / 2
    square = box(x + dx_m - half, y - half, x + dx_m + half, y + half)
    return shapely.transform(
        square, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))
    )


@pytest.fixture(scope="module")
def outline() -> Polygon:
    return square_outline(5_000)


@pytest.fixture(scope="module", params=SHAPES)
def grid(request, outline):
    return make_grid(outline, 250.0, request.param)


def test_make_grid_cells_intersect_outline(grid, outline):
    assert shapely.intersects(grid.polygons_lonlat, outline).all()


def test_make_grid_cells_cover_outline(grid, outline):
    uncovered = outline.difference(shapely.union_all(grid.polygons_lonlat))
    assert uncovered.area < 1e-9 * outline.area


def test_make_grid_arrays_same_length(grid):
    sizes = {len(grid.cell_ids), len(grid.polygons_lonlat), len(grid.centroids_m)}
    assert sizes == {grid.cell_count}


def test_make_grid_cell_ids_sorted_and_unique(grid):
    assert (np.diff(grid.cell_ids) > 0).all()


def test_make_grid_neighbour_spacing_is_cell_size(grid):
    first = grid.centroids_m[len(grid.centroids_m) // 2]
    distances = np.hypot(*(grid.centroids_m - first).T)
    nearest = np.sort(distances)[1]
    assert nearest == pytest.approx(250.0)


def test_make_grid_cell_area_matches_shape(grid):
    to_utm = Transformer.from_crs(4326, UTM_48S, always_xy=True)
    cell = shapely.transform(
        grid.polygons_lonlat[0],
        lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])),
    )
    expected = 250.0**2 if grid.shape == "square" else math.sqrt(3) / 2 * 250.0**2
    assert cell.area == pytest.approx(expected, rel=1e-6)


def test_make_grid_hexagon_count_near_area_ratio(outline):
    grid = make_grid(outline, 250.0, "hexagon")
    # 25 km2 / 54,127 m2 per hexagon is 462 cells, plus a ring of edge cells.
    assert 462 < grid.cell_count < 462 + 4 * 5_000 / 250 + 10


def test_make_grid_uses_utm_zone_of_centroid(grid):
    assert grid.crs.to_epsg() == UTM_48S


def test_make_grid_northern_outline_uses_north_zone():
    outline = box(10.0, 50.0, 10.02, 50.02)
    assert make_grid(outline, 500.0).crs.to_epsg() == 32632


def test_make_grid_multipolygon_covers_each_part():
    parts = MultiPolygon([square_outline(1_000), square_outline(1_000, 5_000)])
    grid = make_grid(parts, 250.0)
    for part in parts.geoms:
        uncovered = part.difference(shapely.union_all(grid.polygons_lonlat))
        assert uncovered.area < 1e-9 * part.area


def test_make_grid_multipolygon_skips_gap():
    parts = MultiPolygon([square_outline(1_000), square_outline(1_000, 5_000)])
    grid = make_grid(parts, 250.0)
    assert shapely.intersects(grid.polygons_lonlat, parts).all()


def test_assign_points_matches_point_in_polygon(grid, outline):
    rng = np.random.default_rng(3)
    min_lon, min_lat, max_lon, max_lat = outline.buffer(0.003).bounds
    lon = rng.uniform(min_lon, max_lon, 20_000)
    lat = rng.uniform(min_lat, max_lat, 20_000)
    points = shapely.points(lon, lat)

    edges = shapely.STRtree(shapely.boundary(grid.polygons_lonlat))
    _, edge_distance = edges.query_nearest(
        points, return_distance=True, all_matches=False
    )
    clear = edge_distance > EDGE_TOLERANCE_DEG
    point_index, cell_index = shapely.STRtree(grid.polygons_lonlat).query(
        points, predicate="within"
    )
    expected = np.full(len(lon), -1)
    expected[point_index] = cell_index

    assigned = assign_points(grid, lon, lat)
    assert (assigned[clear] == expected[clear]).all()


def test_assign_points_outside_corner_unassigned(grid, outline):
    # Guards the comparison above against a sample with no -1 case.
    min_lon, min_lat, max_lon, max_lat = outline.buffer(0.01).bounds
    assigned = assign_points(grid, np.array([min_lon]), np.array([min_lat]))
    assert assigned[0] == -1


def test_assign_points_centroids_get_own_cell(grid):
    to_lonlat = Transformer.from_crs(grid.crs, 4326, always_xy=True)
    lon, lat = to_lonlat.transform(grid.centroids_m[:, 0], grid.centroids_m[:, 1])
    assert (assign_points(grid, lon, lat) == np.arange(grid.cell_count)).all()


def test_assign_points_nan_gives_minus_one(grid):
    assigned = assign_points(grid, np.array([np.nan, TANGERANG_LON]), [0.0, np.nan])
    assert assigned.tolist() == [-1, -1]


def test_assign_points_far_point_gives_minus_one(grid):
    assert assign_points(grid, [TANGERANG_LON + 1.0], [TANGERANG_LAT])[0] == -1


def test_assign_points_keeps_input_shape(grid):
    lon = np.full((2, 3), TANGERANG_LON)
    lat = np.full((2, 3), TANGERANG_LAT)
    assert assign_points(grid, lon, lat).shape == (2, 3)


def test_assign_points_empty_input(grid):
    assert assign_points(grid, [], []).shape == (0,)


def test_assign_points_shape_mismatch_raises(grid):
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        assign_points(grid, [1.0, 2.0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("cell_size_m", [0, -5.0, float("nan"), float("inf"), 20_001])
def test_make_grid_invalid_cell_size_raises(outline, cell_size_m):
    with pytest.raises(ValueError, match=re.escape(f"cell_size_m={cell_size_m}")):
        make_grid(outline, cell_size_m)


def test_make_grid_invalid_shape_raises(outline):
    with pytest.raises(ValueError, match="'triangle'"):
        make_grid(outline, 250.0, "triangle")


def test_make_grid_empty_outline_raises():
    with pytest.raises(ValueError, match="empty"):
        make_grid(Polygon(), 250.0)


def test_make_grid_line_outline_raises():
    line = LineString([(106.6, -6.2), (106.7, -6.1)])
    with pytest.raises(ValueError, match="got LineString"):
        make_grid(line, 250.0)


def test_make_grid_invalid_outline_raises():
    bowtie = Polygon([(106.6, -6.2), (106.7, -6.1), (106.7, -6.2), (106.6, -6.1)])
    with pytest.raises(ValueError, match="Self-intersection"):
        make_grid(bowtie, 250.0)


def test_make_grid_projected_outline_raises():
    projected = box(660_000, 9_310_000, 670_000, 9_320_000)
    with pytest.raises(ValueError, match="not lon/lat"):
        make_grid(projected, 250.0)


def test_make_grid_too_many_cells_names_limit(outline):
    with pytest.raises(ValueError, match=f"maximum of {MAX_CELLS}"):
        make_grid(outline, 5.0)


@pytest.mark.parametrize("shape", SHAPES)
def test_make_grid_suggested_cell_size_fits(outline, shape):
    with pytest.raises(ValueError, match="use cell_size_m=") as error:
        make_grid(outline, 250.0, shape, max_cells=100)
    suggested = int(re.search(r"use cell_size_m=(\d+)", str(error.value)).group(1))
    assert make_grid(outline, suggested, shape, max_cells=100).cell_count <= 100


def test_make_grid_accepts_numpy_cell_size(outline):
    assert make_grid(outline, np.int64(500)).cell_size_m == 500.0


def test_make_grid_text_cell_size_raises(outline):
    with pytest.raises(ValueError, match="cell_size_m='250'"):
        make_grid(outline, "250")
