"""Tests for geodesic distances and coordinate validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod
from scipy.integrate import quad

from geo.geodesy import distance_m
from geo.geodesy import distance_matrix_m
from geo.geodesy import validate_lon_lat

# WGS 84 defining constants: semi-major axis in metres and flattening.
WGS84_A_M = 6_378_137.0
WGS84_F = 1 / 298.257223563

# Kota Tangerang lies roughly within this box of (lon, lat) degrees.
TANGERANG_LON = (106.55, 106.72)
TANGERANG_LAT = (-6.30, -6.10)

INVALID_LON_LAT = [
    (180.5, -6.2, "180.5"),
    (-181.0, -6.2, "-181.0"),
    (106.6, 90.01, "90.01"),
    (106.6, -91.0, "-91.0"),
    (math.nan, -6.2, "nan"),
    (106.6, math.inf, "inf"),
    ("106.6", -6.2, "'106.6'"),
    (106.6, None, "None"),
    (True, -6.2, "True"),
]


def random_points(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lons = rng.uniform(*TANGERANG_LON, size=count)
    lats = rng.uniform(*TANGERANG_LAT, size=count)
    return lons, lats


def test_distance_m_equator_degree():
    expected = WGS84_A_M * math.pi / 180.0
    assert distance_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(expected, abs=1e-6)


def quarter_meridian_m() -> float:
    """Integrate the meridian radius of curvature from the equator to the pole."""
    e2 = WGS84_F * (2 - WGS84_F)

    def meridian_radius_m(lat: float) -> float:
        return WGS84_A_M * (1 - e2) / (1 - e2 * math.sin(lat) ** 2) ** 1.5

    length_m, _ = quad(meridian_radius_m, 0.0, math.pi / 2, epsabs=1e-9)
    return length_m


def test_distance_m_quarter_meridian():
    expected = quarter_meridian_m()
    assert distance_m(0.0, 0.0, 0.0, 90.0) == pytest.approx(expected, abs=1e-6)


def test_distance_m_same_point_is_zero():
    assert distance_m(106.63, -6.18, 106.63, -6.18) == 0.0


def test_distance_m_is_symmetric():
    forward_m = distance_m(106.63, -6.18, 106.70, -6.25)
    backward_m = distance_m(106.70, -6.25, 106.63, -6.18)
    assert forward_m == pytest.approx(backward_m, abs=1e-9)


def test_distance_m_antipodal_points():
    # Vincenty's method fails to converge for antipodal pairs. Off the equator, the
    # shortest geodesic between antipodes runs over a pole: half a meridian.
    expected = 2 * quarter_meridian_m()
    assert distance_m(106.63, -6.18, -73.37, 6.18) == pytest.approx(expected, abs=1e-6)


def test_distance_m_returns_float():
    assert type(distance_m(106.6, -6.2, 106.7, -6.1)) is float


@pytest.mark.parametrize(("lon", "lat", "shown"), INVALID_LON_LAT)
def test_distance_m_invalid_coordinate_raises(lon, lat, shown):
    with pytest.raises(ValueError, match=f"Invalid (longitude|latitude) {shown}"):
        distance_m(lon, lat, 106.7, -6.1)


@pytest.mark.parametrize(("lon", "lat", "shown"), INVALID_LON_LAT)
def test_validate_lon_lat_invalid_names_value(lon, lat, shown):
    with pytest.raises(ValueError) as excinfo:
        validate_lon_lat(lon, lat, "stop 7")
    assert shown in str(excinfo.value)
    assert "stop 7" in str(excinfo.value)


def test_validate_lon_lat_swapped_order_hints():
    with pytest.raises(ValueError, match=r"\(lon, lat\), not \(lat, lon\)"):
        validate_lon_lat(-6.2, 106.6)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(-180.0, -90.0), (180.0, 90.0), (0, 0), (np.float32(106.6), np.float64(-6.2))],
)
def test_validate_lon_lat_accepts_range_limits(lon, lat):
    assert validate_lon_lat(lon, lat) is None


@pytest.mark.parametrize("seed", range(5))
def test_distance_matrix_m_matches_geod_inv(seed):
    lons, lats = random_points(seed, 12)
    matrix = distance_matrix_m(lons, lats)
    geod = Geod(ellps="WGS84")
    for i in range(lons.size):
        for j in range(lons.size):
            _, _, expected = geod.inv(lons[i], lats[i], lons[j], lats[j])
            assert matrix[i, j] == pytest.approx(expected, abs=1e-6), (i, j)


def test_distance_matrix_m_matches_geod_inv_worldwide():
    rng = np.random.default_rng(42)
    lons = rng.uniform(-180.0, 180.0, size=20)
    lats = rng.uniform(-90.0, 90.0, size=20)
    matrix = distance_matrix_m(lons, lats)
    _, _, expected = Geod(ellps="WGS84").inv(
        np.repeat(lons, 20), np.repeat(lats, 20), np.tile(lons, 20), np.tile(lats, 20)
    )
    np.testing.assert_allclose(matrix, expected.reshape(20, 20), rtol=0, atol=1e-6)


def test_distance_matrix_m_is_symmetric():
    matrix = distance_matrix_m(*random_points(1, 30))
    assert np.array_equal(matrix, matrix.T)


def test_distance_matrix_m_zero_diagonal():
    matrix = distance_matrix_m(*random_points(2, 30))
    assert np.array_equal(np.diag(matrix), np.zeros(30))


def test_distance_matrix_m_shape():
    matrix = distance_matrix_m(*random_points(3, 7))
    assert matrix.shape == (7, 7)


def test_distance_matrix_m_empty_input():
    assert distance_matrix_m([], []).shape == (0, 0)


def test_distance_matrix_m_single_point():
    assert distance_matrix_m([106.6], [-6.2]).tolist() == [[0.0]]


def test_distance_matrix_m_duplicate_points_equal_rows():
    lons = [106.60, 106.65, 106.70, 106.65]
    lats = [-6.20, -6.15, -6.25, -6.15]
    matrix = distance_matrix_m(lons, lats)
    assert matrix[1, 3] == 0.0
    assert np.array_equal(matrix[1, [0, 2]], matrix[3, [0, 2]])


def test_distance_matrix_m_length_mismatch_raises():
    with pytest.raises(ValueError, match="3 longitudes but 2 latitudes"):
        distance_matrix_m([106.6, 106.7, 106.8], [-6.2, -6.1])


def test_distance_matrix_m_2d_input_raises():
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        distance_matrix_m([[106.6, 106.7], [106.6, 106.7]], [[-6.2, -6.1]] * 2)


def test_distance_matrix_m_non_numeric_raises():
    with pytest.raises(ValueError, match="Invalid longitudes"):
        distance_matrix_m(["east", "west"], [-6.2, -6.1])


@pytest.mark.parametrize(
    ("lons", "lats", "message"),
    [
        ([106.6, 200.0], [-6.2, -6.1], "Invalid longitude 200.0 for point 1"),
        ([106.6, 106.7], [-6.2, -95.0], "Invalid latitude -95.0 for point 1"),
        ([math.nan, 106.7], [-6.2, -6.1], "Invalid longitude nan for point 0"),
        ([106.6, 106.7], [math.inf, -6.1], "Invalid latitude inf for point 0"),
    ],
)
def test_distance_matrix_m_invalid_names_point(lons, lats, message):
    with pytest.raises(ValueError, match=message):
        distance_matrix_m(lons, lats)
