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

import numpy
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
# A Shapefile cuts field names to 10 characters, so parent_code arrives as parent_cod.
PARENT_FIELDS = ("parent_code", "parent_cod", "kode_induk", "parent")
# Files that GDAL reads together with a .shp. Their contents are part of its digest.
SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
# A projected extent smaller than this many map units (metres, feet) is taken to
# be longitude/latitude numbers under a wrong CRS declaration.
LON_LAT_LOOKALIKE_SPAN = 360.0


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
    digest = _file_digest(path)

    if path.suffix.lower() in (".geojson", ".json"):
        crs, features = _read_geojson(path, path.read_bytes())
    else:
        crs, features = _read_with_ogr(path)

    if not features:
        raise BoundaryFileError(f"Boundary file {path} has no features.")
    _reproject(features, crs, path)
    log.info("read %d features from %s (%s)", len(features), path, crs.to_string())
    return BoundaryFile(path=path, sha256=digest, crs=crs.to_string(), features=features)


def _file_digest(path: Path) -> str:
    """Return the SHA-256 of the file, or for a Shapefile of the .shp and its sidecars.

    A Shapefile keeps its attributes in .dbf and its CRS in .prj, so a changed
    code or CRS must change the digest even when the .shp is the same. For any
    other file the digest is what `sha256sum` prints.
    """
    digest = hashlib.sha256(path.read_bytes() if path.is_file() else b"")
    if path.suffix.lower() == ".shp":
        for suffix in SHAPEFILE_SIDECARS:
            sidecar = path.with_suffix(suffix)
            if sidecar.is_file():
                digest.update(suffix.encode("ascii"))
                digest.update(sidecar.read_bytes())
    return digest.hexdigest()


def _read_geojson(path: Path, data: bytes) -> tuple[CRS, list[RawFeature]]:
    try:
        document = json.loads(data, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
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


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number in JSON")


def _geojson_crs(document: dict, path: Path) -> CRS:
    """Return the CRS of a GeoJSON document.

    RFC 7946 GeoJSON is always lon/lat, but the legacy `crs` member may name
    another CRS.
    """
    member = document.get("crs")
    if not member:
        return WGS84
    properties = member.get("properties") if isinstance(member, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    try:
        crs = CRS.from_user_input(name)
    except (CRSError, TypeError) as error:
        raise BoundaryFileError(
            f"{path}: unknown CRS {name!r} in the 'crs' member; give a name such as "
            "urn:ogc:def:crs:EPSG::32748, or remove the member for lon/lat."
        ) from error
    if crs.equals(CRS.from_user_input("OGC:CRS84")):
        return WGS84
    return crs


def _geojson_feature(item: object, number: int, path: Path) -> RawFeature:
    where = f"{path}, feature {number}"
    if not isinstance(item, dict) or item.get("type") != "Feature":
        raise BoundaryFileError(f"{where} is not a GeoJSON Feature.")
    properties = item.get("properties") or {}
    if not isinstance(properties, dict):
        raise BoundaryFileError(f"{where}: 'properties' must be an object.")
    where = f"{where} ({_feature_label(properties)})"
    geometry = item.get("geometry")
    if not geometry:
        raise BoundaryFileError(f"{where} has no geometry.")
    if isinstance(geometry, dict):
        kind = geometry.get("type")
    else:
        kind = type(geometry).__name__
    if kind not in ("Polygon", "MultiPolygon"):
        raise BoundaryFileError(
            f"{where} is a {kind}; only Polygon and MultiPolygon are allowed."
        )

    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    for polygon in _as_list(polygons, where, "polygons"):
        for ring in _as_list(polygon, where, "rings"):
            _check_ring(ring, where)
    try:
        parsed = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as error:
        raise BoundaryFileError(f"{where} has malformed coordinates: {error}") from error
    return RawFeature(str(path), number, properties, _as_multipolygon(parsed))


def _as_list(value: object, where: str, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BoundaryFileError(
            f"{where} has malformed coordinates: expected a list of {what}, "
            f"got {value!r:.60}."
        )
    return value


def _check_ring(ring: object, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        count = len(ring) if isinstance(ring, list) else 0
        raise BoundaryFileError(
            f"{where} has a ring of {count} positions; a closed ring needs at least 4."
        )
    for position in ring:
        if not _is_position(position):
            raise BoundaryFileError(
                f"{where} has malformed coordinates: {position!r:.60} is not a "
                "position of two or more numbers [lon, lat, ...]."
            )
    first, last = ring[0], ring[-1]
    if list(first[:2]) != list(last[:2]):
        raise BoundaryFileError(
            f"{where} has an unclosed ring: it starts at {first[:2]} but ends at "
            f"{last[:2]}. Close the ring (repeat the first position at the end)."
        )


def _is_position(position: object) -> bool:
    return (
        isinstance(position, list)
        and len(position) >= 2
        and all(
            isinstance(number, (int, float)) and not isinstance(number, bool)
            for number in position
        )
    )


def _read_with_ogr(path: Path) -> tuple[CRS, list[RawFeature]]:
    import pyogrio.raw

    layers = _layer_names(path)
    if len(layers) > 1:
        raise BoundaryFileError(
            f"{path} has {len(layers)} layers ({', '.join(layers)}); a boundary file "
            "must have one. Export each layer to its own file, for example: "
            f"ogr2ogr -f GeoJSON {layers[0]}.geojson {path} {layers[0]}"
        )
    try:
        meta, _fids, geometries, field_data = pyogrio.raw.read(path)
    except Exception as error:  # pyogrio raises several GDAL-derived classes
        raise BoundaryFileError(f"GDAL cannot read {path}: {error}") from error
    crs = _ogr_crs(meta, path)
    names = list(meta["fields"])
    features = []
    for number, wkb in enumerate(geometries, 1):
        properties = {name: _plain(values[number - 1]) for name, values in zip(names, field_data)}
        where = f"{path}, feature {number} ({_feature_label(properties)})"
        parsed = shapely.from_wkb(wkb) if wkb is not None else None
        if parsed is None or parsed.is_empty:
            raise BoundaryFileError(f"{where} has no geometry.")
        if parsed.geom_type not in ("Polygon", "MultiPolygon"):
            raise BoundaryFileError(
                f"{where} is a {parsed.geom_type}; only polygons are allowed."
            )
        features.append(RawFeature(str(path), number, properties, _as_multipolygon(parsed)))
    return crs, features


def _layer_names(path: Path) -> list[str]:
    import pyogrio

    try:
        return [str(name) for name, _kind in pyogrio.list_layers(path)]
    except Exception as error:  # pyogrio raises several GDAL-derived classes
        raise BoundaryFileError(f"GDAL cannot read {path}: {error}") from error


def _ogr_crs(meta: dict, path: Path) -> CRS:
    if not meta.get("crs"):
        raise BoundaryFileError(
            f"{path} does not state its CRS; add a .prj file or convert it to GeoJSON "
            "in EPSG:4326."
        )
    try:
        return CRS.from_user_input(meta["crs"])
    except CRSError as error:
        raise BoundaryFileError(
            f"{path} states a CRS that PROJ does not know ({meta['crs']:.80}); "
            "convert the file to EPSG:4326."
        ) from error


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
    if crs.is_projected:
        _check_not_lon_lat(features, crs, path)
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    for feature in features:
        feature.geometry = transform_geometry(feature.geometry, transformer)
    _check_lon_lat_range(features, path, reprojected_from=crs)


def _check_not_lon_lat(features: list[RawFeature], crs: CRS, path: Path) -> None:
    """Reject lon/lat numbers in a file that declares a projected CRS.

    Boundaries of a city span kilometres, so a projected extent below
    LON_LAT_LOOKALIKE_SPAN map units means the numbers are degrees.
    """
    geometries = [
        feature.geometry for feature in features if not feature.geometry.is_empty
    ]
    if not geometries:
        return
    west, south, east, north = shapely.total_bounds(geometries)
    looks_like_degrees = (
        -180 <= west and east <= 180 and -90 <= south and north <= 90
        and max(east - west, north - south) < LON_LAT_LOOKALIKE_SPAN
    )
    if looks_like_degrees:
        raise BoundaryFileError(
            f"{path} declares the projected CRS {crs.to_string()} but its coordinates "
            f"({west:.4f}, {south:.4f}) .. ({east:.4f}, {north:.4f}) look like "
            "longitude/latitude. Remove the CRS declaration or declare EPSG:4326."
        )


def _check_lon_lat_range(
    features: list[RawFeature], path: Path, reprojected_from: CRS | None = None
) -> None:
    for feature in features:
        if feature.geometry.is_empty:
            continue
        label = _feature_label(feature.properties)
        where = f"{path}, feature {feature.number} ({label})"
        coordinates = shapely.get_coordinates(feature.geometry)
        if not numpy.isfinite(coordinates).all():
            after = ""
            if reprojected_from is not None:
                after = f" after reprojection from {reprojected_from.to_string()}"
            raise BoundaryFileError(
                f"{where} has coordinates that are not finite numbers{after}; "
                "fix or remove them."
            )
        bounds = feature.geometry.bounds
        west, south, east, north = bounds
        if west < -180 or east > 180 or south < -90 or north > 90:
            message = _out_of_range_message(where, bounds, reprojected_from)
            raise BoundaryFileError(message)


def _out_of_range_message(where: str, bounds, reprojected_from: CRS | None) -> str:
    west, south, east, north = bounds
    found = (
        f"coordinates ({west:.1f}, {south:.1f}) .. ({east:.1f}, {north:.1f}) are not "
        "longitude/latitude"
    )
    if reprojected_from is not None:
        return (
            f"{where}: {found} after reprojection from {reprojected_from.to_string()}; "
            "check that the file declares the CRS its coordinates are in."
        )
    return (
        f"{where}: {found}. The file is probably in a projected CRS that it does "
        "not declare; declare it or convert the file to EPSG:4326."
    )
