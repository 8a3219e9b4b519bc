"""Read administrative boundary files (GeoJSON, GeoPackage, Shapefile) into features.

GeoJSON is parsed here directly, so that unclosed rings and the legacy `crs` member
can be reported exactly; other formats go through pyogrio (GDAL). Every geometry
comes out as a 2D MultiPolygon in EPSG:4326 (lon, lat).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import shapely
from pyproj import CRS
from pyproj import Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.geometry import shape

from geo.projection import WGS84
from geo.projection import transform_geometry

log = logging.getLogger(__name__)

CODE_FIELDS = ("code", "kode", "kode_wilayah", "kd_wilayah", "KODE", "KDEPUM", "id")
NAME_FIELDS = ("name", "nama", "NAMOBJ", "NAME", "Name", "nama_wilayah")
PARENT_FIELDS = ("parent_code", "kode_induk", "parent")


class BoundaryFileError(Exception):
    """A boundary file cannot be used; the message names the file, feature and fault."""


@dataclass
class RawFeature:
    """One feature of a boundary file, before its level is decided."""

    source: str
    number: int
    properties: dict
    geometry: MultiPolygon | None
    repairs: list[str] = field(default_factory=list)


@dataclass
class BoundaryFile:
    """The features of one file, with what identifies the file."""

    path: Path
    sha256: str
    crs: str
    features: list[RawFeature]


def read_boundary_file(path: Path) -> BoundaryFile:
    """Read every feature of a boundary file and reproject it to EPSG:4326.

    Raises:
        BoundaryFileError: unreadable file, unclosed ring, unknown CRS, or a
            geometry that is not a polygon.
    """
    if not path.exists():
        raise BoundaryFileError(f"Boundary file {path} not found.")
    data = path.read_bytes() if path.is_file() else b""
    digest = hashlib.sha256(data).hexdigest()

    if path.suffix.lower() in (".geojson", ".json"):
        crs, features = _read_geojson(path, data)
    else:
        crs, features = _read_with_ogr(path)

    if not features:
        raise BoundaryFileError(f"Boundary file {path} has no features.")
    _reproject(features, crs, path)
    log.info("read %d features from %s (%s)", len(features), path, crs.to_string())
    return BoundaryFile(path=path, sha256=digest, crs=crs.to_string(), features=features)


def _read_geojson(path: Path, data: bytes) -> tuple[CRS, list[RawFeature]]:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BoundaryFileError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise BoundaryFileError(f"{path} is not a GeoJSON object.")

    if document.get("type") == "FeatureCollection":
        items = document.get("features")
    elif document.get("type") == "Feature":
        items = [document]
    else:
        raise BoundaryFileError(
            f"{path} is GeoJSON of type {document.get('type')!r}; "
            "expected a FeatureCollection of polygons."
        )
    if not isinstance(items, list):
        raise BoundaryFileError(f"{path}: 'features' must be a list.")

    crs = _geojson_crs(document, path)
    features = [_geojson_feature(item, number, path) for number, item in enumerate(items, 1)]
    return crs, features


def _geojson_crs(document: dict, path: Path) -> CRS:
    """RFC 7946 GeoJSON is always lon/lat; the legacy `crs` member may say otherwise."""
    member = document.get("crs")
    if not member:
        return WGS84
    name = (member.get("properties") or {}).get("name")
    try:
        crs = CRS.from_user_input(name)
    except (CRSError, TypeError) as error:
        raise BoundaryFileError(f"{path}: unknown CRS {name!r} in the 'crs' member.") from error
    if crs.equals(CRS.from_user_input("OGC:CRS84")):
        return WGS84
    return crs


def _geojson_feature(item: object, number: int, path: Path) -> RawFeature:
    where = f"{path}, feature {number}"
    if not isinstance(item, dict) or item.get("type") != "Feature":
        raise BoundaryFileError(f"{where} is not a GeoJSON Feature.")
    properties = item.get("properties") or {}
    where = f"{where} ({_feature_label(properties)})"
    geometry = item.get("geometry")
    if not geometry:
        raise BoundaryFileError(f"{where} has no geometry.")
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise BoundaryFileError(
            f"{where} is a {geometry.get('type')}; only Polygon and MultiPolygon are allowed."
        )

    polygons = (
        [geometry.get("coordinates")]
        if geometry["type"] == "Polygon"
        else geometry.get("coordinates")
    )
    for polygon in polygons or []:
        for ring in polygon or []:
            _check_ring(ring, where)
    try:
        parsed = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as error:
        raise BoundaryFileError(f"{where} has malformed coordinates: {error}") from error
    return RawFeature(str(path), number, properties, _as_multipolygon(parsed))


def _check_ring(ring: object, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        count = len(ring) if isinstance(ring, list) else 0
        raise BoundaryFileError(
            f"{where} has a ring of {count} positions; a closed ring needs at least 4."
        )
    first, last = ring[0], ring[-1]
    if list(first[:2]) != list(last[:2]):
        raise BoundaryFileError(
            f"{where} has an unclosed ring: it starts at {first[:2]} but ends at "
            f"{last[:2]}. Close the ring (repeat the first position at the end)."
        )


def _read_with_ogr(path: Path) -> tuple[CRS, list[RawFeature]]:
    import pyogrio

    try:
        meta, _fids, geometries, field_data = pyogrio.read(path)
    except Exception as error:  # pyogrio raises several GDAL-derived classes
        raise BoundaryFileError(f"GDAL cannot read {path}: {error}") from error
    if not meta.get("crs"):
        raise BoundaryFileError(
            f"{path} does not state its CRS; add a .prj file or convert it to GeoJSON "
            "in EPSG:4326."
        )
    crs = CRS.from_user_input(meta["crs"])
    names = list(meta["fields"])
    features = []
    for number, wkb in enumerate(geometries, 1):
        properties = {name: _plain(values[number - 1]) for name, values in zip(names, field_data)}
        where = f"{path}, feature {number} ({_feature_label(properties)})"
        if wkb is None:
            raise BoundaryFileError(f"{where} has no geometry.")
        parsed = shapely.from_wkb(wkb)
        if parsed.geom_type not in ("Polygon", "MultiPolygon"):
            raise BoundaryFileError(
                f"{where} is a {parsed.geom_type}; only polygons are allowed."
            )
        features.append(RawFeature(str(path), number, properties, _as_multipolygon(parsed)))
    return crs, features


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def _feature_label(properties: dict) -> str:
    for key in CODE_FIELDS + NAME_FIELDS:
        if properties.get(key) not in (None, ""):
            return f"{key}={properties[key]}"
    return "no code"


def _as_multipolygon(geometry) -> MultiPolygon:
    geometry = shapely.force_2d(geometry)
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    return geometry


def _reproject(features: list[RawFeature], crs: CRS, path: Path) -> None:
    if crs.equals(WGS84) or crs.equals(CRS.from_user_input("OGC:CRS84")):
        _check_lon_lat_range(features, path)
        return
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    for feature in features:
        feature.geometry = transform_geometry(feature.geometry, transformer)
    _check_lon_lat_range(features, path)


def _check_lon_lat_range(features: list[RawFeature], path: Path) -> None:
    for feature in features:
        west, south, east, north = feature.geometry.bounds
        if west < -180 or east > 180 or south < -90 or north > 90:
            raise BoundaryFileError(
                f"{path}, feature {feature.number}: coordinates "
                f"({west:.1f}, {south:.1f}) .. ({east:.1f}, {north:.1f}) are not "
                "longitude/latitude. The file is probably in a projected CRS that it "
                "does not declare; declare it or convert the file to EPSG:4326."
            )
