"""Tests for Getis-Ord Gi* hotspots and their corrections in geo.hotspots."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import shapely
from pyproj import Transformer
from shapely.geometry import box

from geo.grid import assign_points
from geo.grid import make_grid
from geo.hotspots import benjamini_hochberg
from geo.hotspots import confidence_bins
from geo.hotspots import default_distance_band_m
from geo.hotspots import find_hotspots
from geo.hotspots import new_hotspots

UTM_48S = 32748
CELL_SIZE_M = 250.0
# Points and z-scores of the Gi* example (binary weights, threshold 15) in the
# esda 2.9 G_Local docstring.
ESDA_POINTS = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)])
ESDA_COUNTS = np.array([2, 3, 3.2, 5, 8, 7])
ESDA_GI_STAR_Z = [
    -1.39727626,
    -0.28917762,
    0.65064964,
    -0.28917762,
    1.23452088,
    2.02424331,
]


def square_outline(side_m: float):
    """Return a square of ``side_m`` metres in lon/lat in Kota Tangerang."""
    to_utm = Transformer.from_crs(4326, UTM_48S, always_xy=True)
    to_lonlat = Transformer.from_crs(UTM_48S, 4326, always_xy=True)
    x, y = to_utm.transform(106.63, -6.18)
    half = side_m / 2
    square = box(x - half, y - half, x + half, y + half)
    return shapely.transform(
        square, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))
    )


def uniform_counts(grid, point_count: int, rng: np.random.Generator) -> np.ndarray:
    """Count points drawn uniformly over the grid's cells, so each cell expects
    the same count (cells cut by the outline get no fewer points)."""
    to_lonlat = Transformer.from_crs(grid.crs, 4326, always_xy=True)
    low = grid.centroids_m.min(axis=0) - grid.cell_size_m
    high = grid.centroids_m.max(axis=0) + grid.cell_size_m
    xy = rng.uniform(low, high, size=(2 * point_count, 2))
    cells = assign_points(grid, *to_lonlat.transform(xy[:, 0], xy[:, 1]))
    cells = cells[cells >= 0][:point_count]
    return np.bincount(cells, minlength=grid.cell_count)


@pytest.fixture(scope="module")
def city_grid():
    """250 m hexagons over a 10 x 10 km square, about 1,900 cells."""
    return make_grid(square_outline(10_000), CELL_SIZE_M, "hexagon")


@pytest.fixture(scope="module")
def planted(city_grid):
    """Hotspot result for 5,000 uniform points plus 60 in the central cell."""
    counts = uniform_counts(city_grid, 5_000, np.random.default_rng(7))
    centre = city_grid.centroids_m.mean(axis=0)
    cluster_cell = int(np.argmin(np.hypot(*(city_grid.centroids_m - centre).T)))
    counts[cluster_cell] += 60
    band = default_distance_band_m(CELL_SIZE_M)
    return cluster_cell, find_hotspots(counts, city_grid.centroids_m, band)


def test_find_hotspots_planted_cluster_hot_at_99(planted):
    cluster_cell, result = planted
    assert result.bin[cluster_cell] == 3


def test_find_hotspots_planted_cluster_hot_cells_nearby(planted, city_grid):
    cluster_cell, result = planted
    hot = city_grid.centroids_m[result.bin > 0]
    distances = np.hypot(*(hot - city_grid.centroids_m[cluster_cell]).T)
    assert distances.max() <= result.distance_band_m


def test_find_hotspots_planted_cluster_no_cold_cells(planted):
    _, result = planted
    assert (result.bin >= 0).all()


def test_find_hotspots_uniform_data_few_false_hotspots(city_grid):
    """Uniform points over 20 seeds give almost no cells significant at 95 %.

    With no real cluster every rejection is false, so the false discovery
    proportion is 1 whenever any cell is significant. Benjamini-Hochberg at
    q = 0.05 therefore keeps the chance of any significant cell near 5 % (the
    bound is exact for independent or positively dependent p-values, and
    overlapping Gi* windows are positively dependent). Even when it happens,
    only a few neighbouring cells light up, so the mean share of significant
    cells is far below 5 %. Without the correction about 5 % of cells would be
    significant, which this test would catch.
    """
    band = default_distance_band_m(CELL_SIZE_M)
    shares = []
    for seed in range(20):
        counts = uniform_counts(city_grid, 2_000, np.random.default_rng(seed))
        result = find_hotspots(counts, city_grid.centroids_m, band)
        shares.append(np.mean(np.abs(result.bin) >= 2))
    assert np.mean(shares) < 0.01


def test_find_hotspots_matches_esda_docstring_example():
    result = find_hotspots(ESDA_COUNTS, ESDA_POINTS, 15.0, fdr=False)
    np.testing.assert_allclose(result.z, ESDA_GI_STAR_Z, rtol=1e-7)


def test_find_hotspots_p_is_two_sided():
    result = find_hotspots(ESDA_COUNTS, ESDA_POINTS, 15.0, fdr=False)
    expected = 2 * scipy.stats.norm.sf(np.abs(result.z))
    np.testing.assert_allclose(result.p, expected)


def test_find_hotspots_without_fdr_bins_raw_p():
    result = find_hotspots(ESDA_COUNTS, ESDA_POINTS, 15.0, fdr=False)
    assert result.bin.tolist() == [0, 0, 0, 0, 0, 2]


def test_find_hotspots_with_fdr_adjusts_p():
    result = find_hotspots(ESDA_COUNTS, ESDA_POINTS, 15.0)
    np.testing.assert_allclose(result.p_adjusted, benjamini_hochberg(result.p))


def test_find_hotspots_reports_parameters():
    result = find_hotspots(ESDA_COUNTS, ESDA_POINTS, 15.0)
    # 7 neighbour pairs, counted once from each end, over 6 points.
    parameters = (
        result.distance_band_m,
        result.cell_count,
        result.mean_neighbor_count,
        result.not_tested_reason,
    )
    assert parameters == (15.0, 6, pytest.approx(14 / 6), None)


def test_find_hotspots_grid_mean_neighbours_near_18(city_grid):
    counts = np.arange(city_grid.cell_count) % 5
    band = default_distance_band_m(CELL_SIZE_M)
    result = find_hotspots(counts, city_grid.centroids_m, band)
    # Interior hexagons have 18 neighbours within 2.5 cells, edge cells fewer.
    assert 16 < result.mean_neighbor_count < 18


def test_find_hotspots_bins_are_int8(planted):
    _, result = planted
    assert result.bin.dtype == np.int8


def test_find_hotspots_all_zero_counts(city_grid):
    counts = np.zeros(city_grid.cell_count)
    result = find_hotspots(counts, city_grid.centroids_m, 625.0)
    assert not result.bin.any()
    assert not result.z.any()
    assert (result.p == 1).all()
    assert "same count" in result.not_tested_reason


def test_find_hotspots_fewer_than_three_cells():
    result = find_hotspots([1, 5], [(0, 0), (100, 0)], 150.0)
    assert result.bin.tolist() == [0, 0]
    assert "at least 3 cells" in result.not_tested_reason


def test_find_hotspots_no_cells():
    result = find_hotspots(np.zeros(0), np.zeros((0, 2)), 150.0)
    assert result.bin.shape == (0,)


def test_find_hotspots_island_not_tested():
    rng = np.random.default_rng(1)
    x, y = np.meshgrid(np.arange(10) * 100.0, np.arange(10) * 100.0)
    centroids = np.vstack([np.column_stack([x.ravel(), y.ravel()]), [(50_000, 0)]])
    counts = np.append(rng.poisson(2, 100), 500)
    result = find_hotspots(counts, centroids, 250.0)
    # Without island handling the island's own count would make it hot at 99 %.
    assert result.islands.tolist() == [False] * 100 + [True]
    assert result.bin[-1] == 0
    assert result.p[-1] == 1


def test_find_hotspots_all_islands_not_tested():
    result = find_hotspots([1, 2, 9], [(0, 0), (1000, 0), (0, 1000)], 10.0)
    assert "No cell has a neighbour" in result.not_tested_reason


def test_find_hotspots_band_covers_all_cells():
    result = find_hotspots([1, 2, 9], [(0, 0), (10, 0), (0, 10)], 100.0)
    assert "contains every cell" in result.not_tested_reason


def test_find_hotspots_nan_count_raises():
    with pytest.raises(ValueError, match="NaN.*index 1"):
        find_hotspots([1.0, np.nan, 2.0], [(0, 0), (10, 0), (0, 10)], 15.0)


def test_find_hotspots_negative_count_raises():
    with pytest.raises(ValueError, match="first -4 at index 2"):
        find_hotspots([1.0, 2.0, -4.0], [(0, 0), (10, 0), (0, 10)], 15.0)


def test_find_hotspots_centroid_shape_mismatch_raises():
    with pytest.raises(ValueError, match=r"shape \(2, 2\), expected \(3, 2\)"):
        find_hotspots([1.0, 2.0, 3.0], [(0, 0), (10, 0)], 15.0)


@pytest.mark.parametrize("band", [0.0, -10.0, float("nan")])
def test_find_hotspots_invalid_band_raises(band):
    with pytest.raises(ValueError, match=f"distance_band_m={band}"):
        find_hotspots([1.0, 2.0, 3.0], [(0, 0), (10, 0), (0, 10)], band)


def test_benjamini_hochberg_hand_example():
    # m = 4. Sorted p: 0.01, 0.03, 0.032, 0.2, times m / rank: 0.04, 0.06,
    # 0.04267, 0.2. The running minimum from the largest rank down lowers
    # 0.06 to 0.04267. Input order is shuffled to check the mapping back.
    adjusted = benjamini_hochberg([0.2, 0.01, 0.032, 0.03])
    np.testing.assert_allclose(adjusted, [0.2, 0.04, 0.128 / 3, 0.128 / 3])


def test_benjamini_hochberg_empty():
    assert benjamini_hochberg([]).shape == (0,)


@pytest.mark.parametrize("p_values", [[0.1, 1.5], [0.1, -0.1], [0.1, np.nan]])
def test_benjamini_hochberg_out_of_range_raises(p_values):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        benjamini_hochberg(p_values)


@pytest.mark.parametrize(
    ("z", "p", "expected"),
    [
        (3.0, 0.005, 3),
        (2.0, 0.01, 3),
        (2.0, 0.03, 2),
        (1.7, 0.08, 1),
        (1.5, 0.2, 0),
        (-3.0, 0.005, -3),
        (-2.0, 0.04, -2),
        (-1.7, 0.1, -1),
        (0.0, 1.0, 0),
    ],
)
def test_confidence_bins_levels(z, p, expected):
    assert confidence_bins(np.array([z]), np.array([p]))[0] == expected


def test_default_distance_band_is_two_and_half_cells():
    assert default_distance_band_m(250.0) == 625.0


def test_default_distance_band_invalid_raises():
    with pytest.raises(ValueError, match="cell_size_m=0"):
        default_distance_band_m(0)


def test_new_hotspots_only_first_time_hot():
    latest = np.array([3, 2, 1, 0, 3, -3], dtype=np.int8)
    previous = [np.array([0, 0, 1, 0, 0, 0]), np.array([0, 2, 0, 0, -2, 0])]
    assert new_hotspots(latest, previous).tolist() == [
        True,
        False,
        False,
        False,
        True,
        False,
    ]


def test_new_hotspots_higher_confidence():
    latest = np.array([3, 2, 1])
    previous = [np.array([2, 0, 0])]
    assert new_hotspots(latest, previous, confidence=0.99).tolist() == [
        True,
        False,
        False,
    ]


def test_new_hotspots_without_history():
    assert new_hotspots(np.array([1, 0, -1]), []).tolist() == [True, False, False]


def test_new_hotspots_shape_mismatch_raises():
    with pytest.raises(ValueError, match="position 0 have shape"):
        new_hotspots(np.array([1, 0]), [np.array([1, 0, 0])])


def test_new_hotspots_invalid_confidence_raises():
    with pytest.raises(ValueError, match="confidence=0.8"):
        new_hotspots(np.array([1, 0]), [], confidence=0.8)
