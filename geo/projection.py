"""Local projections and geometry reprojection with pyproj."""

from __future__ import annotations

import numpy
import shapely
from pyproj import CRS
from pyproj import Transformer

WGS84 = CRS.from_epsg(4326)


def transform_geometry(geometry, transformer: Transformer):
    """Return the geometry with every coordinate passed through the transformer."""

    def transform_coordinates(coordinates: numpy.ndarray) -> numpy.ndarray:
        x, y = transformer.transform(coordinates[:, 0], coordinates[:, 1])
        return numpy.column_stack([x, y])

    return shapely.transform(geometry, transform_coordinates)


def equal_area_transformer(lon: float, lat: float) -> Transformer:
    """Lon/lat to a Lambert azimuthal equal-area plane in metres centred on a point."""
    laea = CRS.from_proj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    return Transformer.from_crs(WGS84, laea, always_xy=True)


def equidistant_transformer(lon: float, lat: float) -> Transformer:
    """Lon/lat to an azimuthal equidistant plane in metres centred on a point.

    Distances from the centre are geodesic distances; distances between other
    points are close to geodesic within a few kilometres of it.
    """
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    return Transformer.from_crs(WGS84, aeqd, always_xy=True)
