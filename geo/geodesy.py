"""Geodesic distances between (lon, lat) points on the WGS 84 ellipsoid."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from numbers import Real

import numpy as np
from pyproj import Geod

logger = logging.getLogger(__name__)

# Geod.inv solves the inverse geodesic problem with the algorithm of C. F. F. Karney,
# "Algorithms for geodesics", J. Geodesy 87 (2013), which PROJ uses since 4.9.0. It
# is accurate to a few nanometres and converges for every pair of points.
WGS84_GEOD = Geod(ellps="WGS84")

_LON_RANGE = (-180.0, 180.0)
_LAT_RANGE = (-90.0, 90.0)
_SWAP_HINT = "Check that points are given as (lon, lat), not (lat, lon)."


def validate_lon_lat(lon: float, lat: float, name: str = "point") -> None:
    """Raise ValueError unless lon and lat are finite degrees within range.

    Longitude must lie in -180..180 and latitude in -90..90, both inclusive.
    Booleans and non-numbers (strings included) are rejected rather than converted.

    Args:
        lon: Longitude in degrees.
        lat: Latitude in degrees.
        name: What the point is, such as "start" or "stop 3", for the message.

    Raises:
        ValueError: The message names the point, the coordinate and its value.
    """
    _validate_degrees(lon, "longitude", _LON_RANGE, name)
    _validate_degrees(lat, "latitude", _LAT_RANGE, name)


def _validate_degrees(
    value: object, axis: str, bounds: tuple[float, float], name: str
) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(
            f"Invalid {axis} {value!r} for {name}: expected a number of degrees."
        )
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(
            f"Invalid {axis} {float(value)!r} for {name}: expected a finite "
            f"number from {low:g} to {high:g}. {_SWAP_HINT}"
        )


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Compute the geodesic distance in metres between two points on WGS 84.

    Raises:
        ValueError: A coordinate is not a finite number within range.
    """
    validate_lon_lat(lon1, lat1, "first point")
    validate_lon_lat(lon2, lat2, "second point")
    _, _, distance = WGS84_GEOD.inv(lon1, lat1, lon2, lat2)
    return float(distance)


def distance_matrix_m(lons: Sequence[float], lats: Sequence[float]) -> np.ndarray:
    """Compute the geodesic distance in metres between every pair of points.

    Geod.inv runs once on arrays broadcast to n x n, in both directions. Each entry is
    the mean of the two directions, so the matrix is exactly symmetric and two points
    at equal coordinates get equal rows. The diagonal is 0.

    Args:
        lons: Longitudes in degrees, one per point.
        lats: Latitudes in degrees, in the same order as lons.

    Returns:
        A float64 array of shape (n, n).

    Raises:
        ValueError: The inputs are not 1-D, differ in length, or a coordinate is not
            a finite number within range. The message names the point's index.
    """
    lon_array = _as_degree_array(lons, "longitudes")
    lat_array = _as_degree_array(lats, "latitudes")
    if lon_array.shape != lat_array.shape:
        raise ValueError(
            f"Got {lon_array.size} longitudes but {lat_array.size} latitudes: "
            "pass one of each per point."
        )
    _validate_degree_array(lon_array, "longitude", _LON_RANGE)
    _validate_degree_array(lat_array, "latitude", _LAT_RANGE)

    count = lon_array.size
    lon_from = np.broadcast_to(lon_array[:, np.newaxis], (count, count))
    lat_from = np.broadcast_to(lat_array[:, np.newaxis], (count, count))
    lon_to = np.broadcast_to(lon_array[np.newaxis, :], (count, count))
    lat_to = np.broadcast_to(lat_array[np.newaxis, :], (count, count))
    _, _, distances = WGS84_GEOD.inv(lon_from, lat_from, lon_to, lat_to)

    matrix = 0.5 * (distances + distances.T)
    np.fill_diagonal(matrix, 0.0)
    return matrix


def _as_degree_array(values: Sequence[float], label: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Invalid {label}: expected numbers of degrees ({error})."
        ) from error
    if array.ndim != 1:
        raise ValueError(
            f"Invalid {label}: expected a 1-D sequence, got shape {array.shape}."
        )
    return array


def _validate_degree_array(
    values: np.ndarray, axis: str, bounds: tuple[float, float]
) -> None:
    low, high = bounds
    # NaN fails both comparisons, so it counts as invalid here too.
    invalid = ~((values >= low) & (values <= high))
    if invalid.any():
        index = int(np.flatnonzero(invalid)[0])
        raise ValueError(
            f"Invalid {axis} {float(values[index])!r} for point {index}: expected "
            f"a finite number from {low:g} to {high:g}. {_SWAP_HINT}"
        )
