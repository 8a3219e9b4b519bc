"""Reading boundary files: GeoJSON quirks, GDAL formats, CRSs and hostile input."""

from __future__ import annotations

import hashlib
import json

import numpy
import pytest
import shapely
from shapely.geometry import shape

from geo.boundary_files import BoundaryFileError
from geo.boundary_files import read_boundary_file
from tests import samples
from tests.conftest import boundary_dir

# GDAL shortens field names to 10 characters in a Shapefile and warns about it.
LAUNDERED_NAME = "ignore:Normalized/laundered field name:RuntimeWarning"


def _real_features(name: str) -> list[dict]:
    document = json.loads((boundary_dir() / name).read_text(encoding="utf-8"))
    return document["features"]


def _in_utm(features: list[dict], decimals: int = 3) -> list[dict]:
    """Reproject GeoJSON features to UTM 48S, rounded to a millimetre."""
    projected = []
    for item in features:
        geometry = samples.to_crs(shape(item["geometry"]), samples.UTM_48S)
        geometry = shapely.transform(geometry, lambda xy: numpy.round(xy, decimals))
        projected.append(samples.feature(item["properties"], geometry))
    return projected


def _max_difference_deg(read_geometry, original) -> float:
    """Largest coordinate difference after both geometries are normalised."""
    left = shapely.get_coordinates(shapely.normalize(read_geometry))
    right = shapely.get_coordinates(shapely.normalize(original))
    assert left.shape == right.shape
    return float(numpy.abs(left - right).max())


def _read_error(path) -> str:
    with pytest.raises(BoundaryFileError) as caught:
        read_boundary_file(path)
    return str(caught.value)


def test_read_real_kelurahan_gives_104_multipolygons():
    read = read_boundary_file(boundary_dir() / "kelurahan.geojson")
    assert len(read.features) == 104
    assert {feature.geometry.geom_type for feature in read.features} == {"MultiPolygon"}
    assert read.crs == "EPSG:4326"


def test_read_geojson_digest_is_file_sha256():
    path = boundary_dir() / "kecamatan.geojson"
    read = read_boundary_file(path)
    assert read.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_missing_file_rejected(tmp_path):
    message = _read_error(tmp_path / "nothing.geojson")
    assert "not found" in message
    assert "nothing.geojson" in message


def test_read_unclosed_ring_rejected_with_feature(tmp_path):
    path = tmp_path / "unclosed.geojson"
    path.write_text(samples.unclosed_ring_geojson("99.01.01.1001"), encoding="utf-8")
    message = _read_error(path)
    assert "unclosed.geojson, feature 1 (code=99.01.01.1001)" in message
    assert "unclosed ring" in message


def test_read_bow_tie_kept_for_repair(tmp_path):
    path = samples.write_geojson(
        tmp_path / "bowtie.geojson",
        [samples.feature({"code": "99.01.01.1001"}, samples.BOW_TIE)],
    )
    [feature] = read_boundary_file(path).features
    assert not feature.geometry.is_valid


def test_read_point_feature_rejected(tmp_path):
    path = samples.write_geojson(
        tmp_path / "point.geojson",
        [
            samples.feature({"code": "99.01.01.1001"}, samples.SQUARE),
            samples.feature({"code": "99.01.01.1002"}, shapely.Point(106.6, -6.2)),
        ],
    )
    message = _read_error(path)
    assert "point.geojson, feature 2 (code=99.01.01.1002) is a Point" in message


def test_read_empty_feature_collection_rejected(tmp_path):
    path = samples.write_geojson(tmp_path / "empty.geojson", [])
    message = _read_error(path)
    assert "empty.geojson has no features" in message


def test_read_invalid_json_rejected(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    message = _read_error(path)
    assert "broken.geojson is not valid JSON" in message


def test_read_nan_coordinate_rejected(tmp_path):
    path = tmp_path / "nan.geojson"
    text = samples.feature_collection(
        [samples.feature({"code": "99.01.01.1001"}, samples.SQUARE)]
    )
    path.write_text(text.replace("106.61", "NaN", 1), encoding="utf-8")
    message = _read_error(path)
    assert "nan.geojson is not valid JSON: NaN is not a number" in message


@pytest.mark.parametrize(
    "geometry, fault",
    [
        (
            {"type": "Polygon", "coordinates": [[106.6, -6.2, 106.7, -6.2]]},
            "is not a position",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[106.6, -6.2], ["x", -6.2], [106.7, -6.1], [106.6, -6.2]]
                ],
            },
            "is not a position",
        ),
        ({"type": "Polygon", "coordinates": "106.6 -6.2"}, "expected a list of rings"),
        ({"type": "MultiPolygon", "coordinates": 7}, "expected a list of polygons"),
        (
            {"type": "MultiPolygon", "coordinates": [[[106.6, -6.2]]]},
            "ring of 2 positions",
        ),
        ("POLYGON ((106.6 -6.2, 106.7 -6.2, 106.7 -6.1, 106.6 -6.2))", "is a str"),
    ],
)
def test_read_malformed_geometry_rejected(tmp_path, geometry, fault):
    path = tmp_path / "malformed.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "99.01.01.1001"},
                        "geometry": geometry,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    message = _read_error(path)
    assert "malformed.geojson, feature 1 (code=99.01.01.1001)" in message
    assert fault in message


def test_read_properties_not_object_rejected(tmp_path):
    path = tmp_path / "properties.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": ["99.01"],
                        "geometry": shapely.geometry.mapping(samples.SQUARE),
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    message = _read_error(path)
    assert "properties.geojson, feature 1: 'properties' must be an object" in message


def test_read_multi_part_and_holed_kept(tmp_path):
    path = samples.write_geojson(
        tmp_path / "parts.geojson",
        [
            samples.feature({"code": "99.01.01.1001"}, samples.MULTI_PART),
            samples.feature({"code": "99.01.01.1002"}, samples.HOLED),
        ],
    )
    multi, holed = read_boundary_file(path).features
    assert len(multi.geometry.geoms) == 2
    assert len(holed.geometry.geoms[0].interiors) == 1


def test_read_z_coordinates_dropped(tmp_path):
    path = samples.write_geojson(
        tmp_path / "z.geojson",
        [samples.feature({"code": "99.01.01.1001"}, samples.SQUARE_Z)],
    )
    [feature] = read_boundary_file(path).features
    assert not feature.geometry.has_z
    assert _max_difference_deg(feature.geometry, samples.SQUARE) == 0.0


def test_read_legacy_crs_member_utm48s_reprojected(tmp_path):
    original = _real_features("kelurahan.geojson")
    path = samples.write_geojson(
        tmp_path / "kelurahan_utm.geojson",
        _in_utm(original),
        crs="urn:ogc:def:crs:EPSG::32748",
    )
    read = read_boundary_file(path)
    worst = max(
        _max_difference_deg(feature.geometry, shape(item["geometry"]))
        for feature, item in zip(read.features, original)
    )
    assert read.crs == "EPSG:32748"
    assert worst < 1e-7


def test_read_unknown_crs_member_rejected(tmp_path):
    path = samples.write_geojson(
        tmp_path / "unknown_crs.geojson",
        [samples.feature({"code": "99.01.01.1001"}, samples.SQUARE)],
        crs="EPSG:999999",
    )
    message = _read_error(path)
    assert "unknown_crs.geojson: unknown CRS 'EPSG:999999'" in message


@pytest.mark.parametrize("crs", [None, "EPSG:4326"])
def test_read_projected_coordinates_declared_lon_lat_rejected(tmp_path, crs):
    projected = samples.to_crs(samples.SQUARE, samples.UTM_48S)
    path = samples.write_geojson(
        tmp_path / "undeclared.geojson",
        [samples.feature({"code": "99.01.01.1001"}, projected)],
        crs=crs,
    )
    message = _read_error(path)
    assert "undeclared.geojson, feature 1 (code=99.01.01.1001)" in message
    assert "are not longitude/latitude" in message


def test_read_lon_lat_coordinates_declared_projected_rejected(tmp_path):
    path = samples.write_geojson(
        tmp_path / "mislabelled.geojson",
        [samples.feature({"code": "99.01.01.1001"}, samples.SQUARE)],
        crs="EPSG:32748",
    )
    message = _read_error(path)
    assert "declares the projected CRS EPSG:32748" in message
    assert "look like longitude/latitude" in message


@pytest.mark.parametrize(
    "suffix, driver", [(".gpkg", "GPKG"), (".shp", "ESRI Shapefile")]
)
def test_read_gdal_file_in_utm48s_reprojected(tmp_path, suffix, driver):
    original = _real_features("kecamatan.geojson")
    records = [
        samples.feature(
            {"code": item["properties"]["code"], "name": item["properties"]["name"]},
            item["geometry"],
        )
        for item in _in_utm(original)
    ]
    path = samples.write_ogr(
        tmp_path / f"kecamatan{suffix}", records, samples.UTM_48S, driver
    )
    read = read_boundary_file(path)
    worst = max(
        _max_difference_deg(feature.geometry, shape(item["geometry"]))
        for feature, item in zip(read.features, original)
    )
    assert read.crs == "EPSG:32748"
    assert [feature.properties["code"] for feature in read.features] == [
        item["properties"]["code"] for item in original
    ]
    assert worst < 1e-7


def test_read_geopackage_z_coordinates_dropped(tmp_path):
    record = samples.feature(
        {"code": "99.01.01.1001"}, samples.to_crs(samples.SQUARE_Z, samples.UTM_48S)
    )
    path = samples.write_ogr(tmp_path / "z.gpkg", [record], samples.UTM_48S, "GPKG")
    [feature] = read_boundary_file(path).features
    assert not feature.geometry.has_z
    assert _max_difference_deg(feature.geometry, samples.SQUARE) < 1e-7


def test_read_geopackage_point_layer_rejected(tmp_path):
    path = tmp_path / "points.gpkg"
    record = samples.feature({"code": "99.01.01.1001"}, shapely.Point(106.6, -6.2))
    import pyogrio.raw

    pyogrio.raw.write(
        path,
        geometry=numpy.array([shapely.to_wkb(shape(record["geometry"]))], dtype=object),
        field_data=[numpy.array(["99.01.01.1001"], dtype=object)],
        fields=["code"],
        crs="EPSG:4326",
        driver="GPKG",
        geometry_type="Point",
    )
    message = _read_error(path)
    assert "points.gpkg, feature 1 (code=99.01.01.1001) is a Point" in message


def test_read_geopackage_with_two_layers_rejected(tmp_path):
    features = samples.sample_city_features()
    path = tmp_path / "two.gpkg"
    samples.write_ogr(path, features["kecamatan"], "EPSG:4326", "GPKG")
    import pyogrio.raw

    records = features["kelurahan"]
    pyogrio.raw.write(
        path,
        geometry=numpy.array(
            [shapely.to_wkb(shape(item["geometry"])) for item in records], dtype=object
        ),
        field_data=[
            numpy.array([item["properties"]["code"] for item in records], dtype=object)
        ],
        fields=["code"],
        crs="EPSG:4326",
        driver="GPKG",
        layer="kelurahan",
        geometry_type="Polygon",
        append=True,
    )
    message = _read_error(path)
    assert "two.gpkg has 2 layers" in message
    assert "ogr2ogr" in message


@pytest.mark.filterwarnings(LAUNDERED_NAME)
def test_read_shapefile_without_prj_rejected(tmp_path):
    path = samples.write_ogr(
        tmp_path / "noprj.shp",
        samples.sample_city_features()["kelurahan"],
        "EPSG:4326",
        "ESRI Shapefile",
    )
    path.with_suffix(".prj").unlink()
    message = _read_error(path)
    assert "noprj.shp does not state its CRS" in message


@pytest.mark.filterwarnings(LAUNDERED_NAME)
def test_read_shapefile_digest_covers_dbf(tmp_path):
    features = samples.sample_city_features()["kelurahan"]
    path = samples.write_ogr(
        tmp_path / "kel.shp", features, "EPSG:4326", "ESRI Shapefile"
    )
    before = read_boundary_file(path).sha256
    renamed = [
        samples.feature({**item["properties"], "name": "Lain"}, item["geometry"])
        for item in features
    ]
    samples.write_ogr(tmp_path / "kel.shp", renamed, "EPSG:4326", "ESRI Shapefile")
    assert read_boundary_file(path).sha256 != before
