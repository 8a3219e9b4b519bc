"""Checking boundary features: levels, codes, repairs, parents, gaps and overlaps."""

from __future__ import annotations

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon

from geo.boundary_checks import FieldNames
from geo.boundary_checks import LevelSpec
from geo.boundary_checks import check_boundaries
from geo.boundary_files import RawFeature
from geo.boundary_files import read_boundary_file
from tests import samples
from tests.conftest import boundary_dir

TANGERANG_LEVELS = [LevelSpec("kecamatan", 3), LevelSpec("kelurahan", 4)]
SAMPLE_CODE = samples.SAMPLE_CITY_CODE


def _raw(
    code: str | None,
    geometry,
    number: int = 1,
    source: str = "kel.geojson",
    **properties,
) -> RawFeature:
    if code is not None:
        properties["code"] = code
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon([geometry])
    return RawFeature(source, number, properties, geometry)


def _sample_raw() -> list[RawFeature]:
    """The synthetic city's kecamatan and kelurahan as raw features."""
    features = samples.sample_city_features()
    raw = []
    for source in ("kecamatan", "kelurahan"):
        for number, item in enumerate(features[source], start=1):
            geometry = MultiPolygon([shapely.geometry.shape(item["geometry"])])
            raw.append(
                RawFeature(f"{source}.geojson", number, item["properties"], geometry)
            )
    return raw


def _check(features, **options):
    return check_boundaries(features, SAMPLE_CODE, TANGERANG_LEVELS, **options)


def _geodesic_area_m2(polygon: Polygon) -> float:
    # Geod adds signed ring areas, so holes must run clockwise to be subtracted.
    oriented = shapely.geometry.polygon.orient(polygon, 1.0)
    area, _perimeter = Geod(ellps="WGS84").geometry_area_perimeter(oriented)
    return abs(area)


@pytest.fixture(scope="module")
def real_report():
    files = [
        read_boundary_file(path) for path in sorted(boundary_dir().glob("*.geojson"))
    ]
    features = [feature for file in files for feature in file.features]
    return check_boundaries(features, "36.71", TANGERANG_LEVELS)


def test_check_real_boundaries_without_errors(real_report):
    assert real_report.errors == []


def test_check_real_boundaries_counts(real_report):
    assert real_report.figures["areas"] == {
        "city": 1,
        "kecamatan": 13,
        "kelurahan": 104,
    }


def test_check_real_kelurahan_parents_are_kecamatan(real_report):
    kecamatan = {area.code for area in real_report.areas if area.level == "kecamatan"}
    parents = {
        area.parent_code for area in real_report.areas if area.level == "kelurahan"
    }
    assert parents == kecamatan


def test_check_real_largest_overlap_named(real_report):
    overlap = [w for w in real_report.warnings if "pairs of kelurahan overlap" in w]
    assert len(overlap) == 1
    assert "4310 m2 between 36.71.07.1016 and 36.71.10.1005" in overlap[0]


def test_check_real_gaps_measured(real_report):
    figures = real_report.figures["kelurahan"]
    # The source measured 0.096 km2 of holes in the union of the kelurahan.
    assert figures["gap_m2"] == pytest.approx(96_145, rel=0.01)


def test_check_real_kelurahan_inside_kecamatan(real_report):
    assert real_report.figures["max_child_outside_parent_percent"] < 0.001


def test_check_area_m2_matches_geodesic_area():
    report = _check(_sample_raw())
    area = next(a for a in report.areas if a.code == "99.01.01.1001")
    assert area.area_m2 == pytest.approx(_geodesic_area_m2(samples.SQUARE), rel=1e-4)


def test_check_holed_area_excludes_hole():
    raw = _sample_raw()
    raw[2] = _raw(
        "99.01.01.1001", samples.HOLED, 1, "kelurahan.geojson", parent_code="99.01.01"
    )
    report = _check(raw)
    area = next(a for a in report.areas if a.code == "99.01.01.1001")
    assert area.area_m2 == pytest.approx(_geodesic_area_m2(samples.HOLED), rel=1e-4)


def test_check_multi_part_kept():
    report = _check(
        [
            _raw("99.01.01", samples.MULTI_PART, source="kec.geojson"),
            _raw("99.01.01.1001", samples.SQUARE, parent_code="99.01.01"),
        ]
    )
    area = next(a for a in report.areas if a.code == "99.01.01")
    assert len(area.geometry.geoms) == 2


def test_check_bow_tie_repaired_and_listed():
    raw = _sample_raw()
    raw[2] = _raw(
        "99.01.01.1001", samples.BOW_TIE, 1, "kelurahan.geojson", parent_code="99.01.01"
    )
    report = _check(raw)
    area = next(a for a in report.areas if a.code == "99.01.01.1001")
    repaired = [w for w in report.warnings if "repaired with make_valid" in w]
    assert report.errors == []
    assert area.geometry.is_valid
    assert len(area.geometry.geoms) == 2
    assert len(repaired) == 1
    assert "kelurahan.geojson, feature 1 (99.01.01.1001" in repaired[0]
    assert "Self-intersection" in repaired[0]


def test_check_empty_geometry_is_error():
    raw = _sample_raw()
    raw[2] = _raw("99.01.01.1001", MultiPolygon(), 1, "kelurahan.geojson")
    report = _check(raw)
    assert report.errors == [
        "kelurahan.geojson, feature 1 (99.01.01.1001 99.01.01.1001) has an empty "
        "geometry."
    ]


def test_check_only_empty_geometries_reported():
    report = _check([_raw("99.01.01.1001", MultiPolygon())])
    assert report.errors[0].endswith("has an empty geometry.")


def test_check_no_features_is_error():
    report = _check([])
    assert report.errors == ["No features were given; there is nothing to load."]


def test_check_missing_code_names_file_and_feature():
    raw = _sample_raw()
    raw[3] = _raw(
        None, samples.square(106.61, -6.20), 2, "kelurahan.geojson", nama="Tanpa Kode"
    )
    report = _check(raw)
    assert len(report.errors) == 1
    assert report.errors[0].startswith("kelurahan.geojson, feature 2 has no code")


def test_check_missing_code_names_code_field():
    report = _check(_sample_raw(), fields=FieldNames(code="kode_desa"))
    assert "has no code (looked for kode_desa)" in report.errors[0]


def test_check_duplicate_code_names_both_features():
    raw = _sample_raw()
    raw.append(
        _raw(
            "99.01.01.1001",
            samples.square(106.64, -6.20),
            4,
            "kelurahan.geojson",
            parent_code="99.01.01",
        )
    )
    report = _check(raw)
    assert len(report.errors) == 1
    assert "Code 99.01.01.1001 appears 2 times" in report.errors[0]
    assert "kelurahan.geojson, feature 1 (99.01.01.1001 Satu)" in report.errors[0]
    assert "kelurahan.geojson, feature 4 (99.01.01.1001" in report.errors[0]


def test_check_missing_parent_names_feature():
    raw = _sample_raw()
    raw.append(
        _raw(
            "99.01.05.1001",
            samples.square(106.60, -6.21),
            4,
            "kelurahan.geojson",
            parent_code="99.01.05",
            name="Yatim",
        )
    )
    report = _check(raw)
    assert report.errors == [
        "kelurahan.geojson, feature 4 (99.01.05.1001 Yatim): parent '99.01.05' is not "
        "in the load; load the parent level's file with it, or fix the parent code."
    ]


def test_check_parent_taken_from_code():
    raw = [
        _raw("99.01.01", samples.SQUARE, source="kec.geojson"),
        _raw("99.01.01.1001", samples.SQUARE),
    ]
    report = _check(raw)
    child = next(a for a in report.areas if a.code == "99.01.01.1001")
    assert child.parent_code == "99.01.01"


def test_check_child_outside_parent_share_reported():
    raw = _sample_raw()
    # Kelurahan 1002 reaches one square further east, into kecamatan 99.01.02.
    raw[3] = _raw(
        "99.01.01.1002",
        samples.square(106.61, -6.20, 0.02),
        2,
        "kelurahan.geojson",
        parent_code="99.01.01",
        name="Dua",
    )
    report = _check(raw)
    outside = [w for w in report.warnings if "lies outside its parent" in w]
    assert len(outside) == 1
    assert outside[0].startswith(
        "kelurahan.geojson, feature 2 (99.01.01.1002 Dua): 75.00%"
    )
    assert report.figures["max_child_outside_parent_percent"] == pytest.approx(
        75, abs=0.01
    )


def test_check_kelurahan_without_kecamatan_is_error():
    report = _check([_raw("99.01.01.1001", samples.SQUARE)])
    assert any("without their parents (kecamatan)" in error for error in report.errors)


def test_check_kecamatan_only_is_error():
    report = _check([_raw("99.01.01", samples.SQUARE)])
    assert report.errors == [
        "No area of the smallest level (kelurahan) was loaded; complaints cannot be "
        "located without it."
    ]


def test_check_unknown_level_is_error():
    report = _check([_raw("99.01.01.1001.7", samples.SQUARE)])
    assert (
        "the level of code '99.01.01.1001.7' (5 parts) is unknown" in report.errors[0]
    )


def test_check_forced_level_for_one_level_city():
    raw = [
        _raw(
            None,
            samples.square(106.60 + i * 0.01, -6.20),
            i + 1,
            "wards.geojson",
            ward=float(i + 1),
            name=f"Ward {i + 1}",
        )
        for i in range(3)
    ]
    report = check_boundaries(
        raw,
        "boston",
        [LevelSpec("ward", None)],
        level="ward",
        fields=FieldNames(code="ward", name="name"),
    )
    assert report.errors == []
    assert [(a.level, a.rank, a.code, a.name) for a in report.areas] == [
        ("ward", 1, "1", "Ward 1"),
        ("ward", 1, "2", "Ward 2"),
        ("ward", 1, "3", "Ward 3"),
    ]


def test_check_gap_and_overlap_measured():
    west, middle = samples.square(106.60, -6.20), samples.square(106.61, -6.20)
    # The east square overlaps the middle one by 0.001 degree, and a notch cut
    # out of both leaves a hole of 0.003 x 0.003 degree between them.
    notch = samples.square(106.618, -6.196, 0.003)
    east = samples.square(106.619, -6.20).difference(notch)
    middle = middle.difference(notch)
    raw = [
        _raw("99.01.01", samples.square(106.60, -6.20, 0.03), source="kec.geojson"),
        _raw("99.01.01.1001", west, 1, parent_code="99.01.01"),
        _raw("99.01.01.1002", middle, 2, parent_code="99.01.01"),
        _raw("99.01.01.1003", east, 3, parent_code="99.01.01"),
    ]
    report = _check(raw)
    figures = report.figures["kelurahan"]
    overlap = middle.intersection(east)
    [hole_ring] = shapely.union_all([west, middle, east]).interiors
    hole = Polygon(hole_ring)
    assert figures["overlap_pairs"] == 1
    assert figures["overlap_m2"] == pytest.approx(_geodesic_area_m2(overlap), rel=1e-3)
    assert figures["gap_count"] == 1
    assert figures["gap_m2"] == pytest.approx(_geodesic_area_m2(hole), rel=1e-3)
