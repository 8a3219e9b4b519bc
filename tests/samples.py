"""Sample geometries and boundary files with the edge cases that loaders must handle.

Coordinates are lon/lat (EPSG:4326) near Kota Tangerang unless a name says
otherwise. The synthetic city SAMPLE_CITY_CODE has two kecamatan and three
kelurahan, small enough to reason about by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pyogrio.raw
import shapely
from pyproj import CRS
from pyproj import Transformer
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.geometry import mapping

from geo.projection import transform_geometry

# WGS 84 / UTM zone 48S, the projected CRS that Indonesian agencies use for Banten.
UTM_48S = "EPSG:32748"
SAMPLE_CITY_CODE = "99.01"
SAMPLE_CITY_NAME = "Kota Contoh"
WEST = 106.60
SOUTH = -6.20
# 0.01 degree is about 1.1 km at this latitude.
STEP = 0.01


def square(west: float, south: float, size: float = STEP) -> Polygon:
    """Return an axis-aligned square with its south-west corner at (west, south)."""
    return Polygon(
        [
            (west, south),
            (west + size, south),
            (west + size, south + size),
            (west, south + size),
            (west, south),
        ]
    )


SQUARE = square(WEST, SOUTH)
EMPTY_POLYGON = Polygon()
# A figure-eight ring that crosses itself at its centre, so make_valid splits it in two.
BOW_TIE = Polygon(
    [
        (WEST, SOUTH),
        (WEST + STEP, SOUTH + STEP),
        (WEST + STEP, SOUTH),
        (WEST, SOUTH + STEP),
        (WEST, SOUTH),
    ]
)
MULTI_PART = MultiPolygon([square(WEST, SOUTH), square(WEST + 3 * STEP, SOUTH)])
HOLED = Polygon(
    SQUARE.exterior.coords,
    [square(WEST + STEP / 4, SOUTH + STEP / 4, STEP / 2).exterior.coords],
)
SQUARE_Z = shapely.force_3d(SQUARE, 25.0)
GEOMETRIES = {
    "square": SQUARE,
    "empty": EMPTY_POLYGON,
    "bow_tie": BOW_TIE,
    "multi_part": MULTI_PART,
    "holed": HOLED,
    "square_z": SQUARE_Z,
}


def to_crs(geometry, crs: str):
    """Return a lon/lat geometry reprojected to crs (x, y order)."""
    transformer = Transformer.from_crs(CRS.from_epsg(4326), crs, always_xy=True)
    return transform_geometry(geometry, transformer)


def feature(properties: dict, geometry) -> dict:
    """Return a GeoJSON Feature dict from a Shapely geometry or a raw geometry dict."""
    if geometry is not None and not isinstance(geometry, dict):
        geometry = mapping(geometry)
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def feature_collection(features: list[dict], crs: str | None = None) -> str:
    """Return GeoJSON text, with a legacy `crs` member when crs is given."""
    document: dict = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(document)


def write_geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    """Write a FeatureCollection to path and return the path."""
    path.write_text(feature_collection(features, crs), encoding="utf-8")
    return path


def unclosed_ring_geojson(code: str = "99.01.01.1001") -> str:
    """Return GeoJSON text of one polygon whose ring does not end where it starts."""
    ring = [list(point) for point in SQUARE.exterior.coords][:-1]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    return feature_collection([feature({"code": code, "name": "Terbuka"}, geometry)])


def write_ogr(path: Path, features: list[dict], crs: str, driver: str) -> Path:
    """Write features (GeoJSON dicts, coordinates already in crs) with GDAL.

    Every feature must have the same properties; values are written as strings.
    """
    names = list(features[0]["properties"])
    geometries = numpy.array(
        [shapely.to_wkb(shapely.geometry.shape(item["geometry"])) for item in features],
        dtype=object,
    )
    field_data = [
        numpy.array([str(item["properties"][name]) for item in features], dtype=object)
        for name in names
    ]
    has_z = any(shapely.geometry.shape(item["geometry"]).has_z for item in features)
    pyogrio.raw.write(
        path,
        geometry=geometries,
        field_data=field_data,
        fields=names,
        crs=CRS.from_user_input(crs).to_wkt(),
        driver=driver,
        geometry_type="MultiPolygon Z" if has_z else "MultiPolygon",
        promote_to_multi=True,
        encoding="UTF-8",
    )
    return path


def sample_city_features() -> dict[str, list[dict]]:
    """Return the kecamatan and kelurahan features of the synthetic city.

    Kecamatan 99.01.01 is two squares wide and contains kelurahan 1001 (west)
    and 1002 (east), which share an edge. Kecamatan 99.01.02 lies east of it
    and contains 1001.
    """
    kecamatan = [
        feature(
            {"code": "99.01.01", "name": "Barat"},
            Polygon(
                [
                    (WEST, SOUTH),
                    (WEST + 2 * STEP, SOUTH),
                    (WEST + 2 * STEP, SOUTH + STEP),
                    (WEST, SOUTH + STEP),
                ]
            ),
        ),
        feature({"code": "99.01.02", "name": "Timur"}, square(WEST + 2 * STEP, SOUTH)),
    ]
    kelurahan = [
        feature(
            {"code": "99.01.01.1001", "name": "Satu", "parent_code": "99.01.01"},
            square(WEST, SOUTH),
        ),
        feature(
            {"code": "99.01.01.1002", "name": "Dua", "parent_code": "99.01.01"},
            square(WEST + STEP, SOUTH),
        ),
        feature(
            {"code": "99.01.02.1001", "name": "Tiga", "parent_code": "99.01.02"},
            square(WEST + 2 * STEP, SOUTH),
        ),
    ]
    return {"kecamatan": kecamatan, "kelurahan": kelurahan}


def _city_record(code: str, name: str) -> str:
    return f"""
[[city]]
code = "{code}"
name = "{name}"
timezone = "Asia/Jakarta"

[[city.levels]]
key = "kecamatan"
name_id = "Kecamatan"
name_en = "District"
code_parts = 3

[[city.levels]]
key = "kelurahan"
name_id = "Kelurahan"
name_en = "Urban village"
code_parts = 4
"""


def sample_cities_toml(path: Path, extra: str = "") -> Path:
    """Write a cities file with Kota Tangerang, the synthetic city and extra records."""
    text = (
        _city_record("36.71", "Kota Tangerang")
        + _city_record(SAMPLE_CITY_CODE, SAMPLE_CITY_NAME)
        + extra
    )
    path.write_text(text, encoding="utf-8")
    return path
