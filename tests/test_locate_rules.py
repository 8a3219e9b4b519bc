"""The placement rules and their Shapely reference, on small hand-made areas."""

from __future__ import annotations

import pytest
import shapely
from pyproj import Geod

from geo.locate_rules import EDGE_TOLERANCE_DEG
from geo.locate_rules import Candidate
from geo.locate_rules import Placement
from geo.locate_rules import ShapelyLocator
from geo.locate_rules import place_among_candidates
from geo.locate_rules import place_in_gap_or_outside
from tests import samples

WEST, SOUTH, STEP = samples.WEST, samples.SOUTH, samples.STEP
GEOD = Geod(ellps="WGS84")


def _candidate(code, inside=False, boundary=False, depth=0.0) -> Candidate:
    return Candidate(code, inside, boundary, depth)


@pytest.fixture(scope="module")
def sample_locator() -> ShapelyLocator:
    """The synthetic city: three squares in a row, 1001, 1002 and 99.01.02.1001."""
    kelurahan = samples.sample_city_features()["kelurahan"]
    areas = {
        item["properties"]["code"]: shapely.geometry.shape(item["geometry"])
        for item in kelurahan
    }
    return ShapelyLocator(areas, shapely.union_all(list(areas.values())))


@pytest.fixture(scope="module")
def uneven_locator() -> ShapelyLocator:
    """Two squares that overlap by 0.002 degree, a third beyond a 0.002 degree gap."""
    areas = {
        "B": samples.square(WEST, SOUTH),
        "A": samples.square(WEST + STEP - 0.002, SOUTH),
        "C": samples.square(WEST + 2 * STEP, SOUTH),
    }
    outline = samples.square(WEST, SOUTH, 3 * STEP)
    return ShapelyLocator(areas, outline)


def test_place_overlap_goes_to_deepest():
    placed = place_among_candidates(
        [
            _candidate("A", inside=True, depth=3.0),
            _candidate("B", inside=True, depth=9.0),
        ]
    )
    assert placed == Placement("B", "overlap", None)


def test_place_overlap_tie_goes_to_lowest_code():
    placed = place_among_candidates(
        [
            _candidate("B", inside=True, depth=5.0),
            _candidate("A", inside=True, depth=5.0),
        ]
    )
    assert placed == Placement("A", "overlap", None)


def test_place_boundary_prefers_strictly_inside():
    placed = place_among_candidates(
        [_candidate("A", boundary=True), _candidate("B", inside=True, depth=0.4)]
    )
    assert placed == Placement("B", "boundary", None)


def test_place_boundary_goes_to_lowest_code():
    placed = place_among_candidates(
        [_candidate("C", boundary=True), _candidate("A", boundary=True)]
    )
    assert placed == Placement("A", "boundary", None)


def test_place_inside_single_area():
    placed = place_among_candidates([_candidate("A", inside=True, depth=12.0)])
    assert placed == Placement("A", "inside", None)


def test_place_without_candidates_is_none():
    assert place_among_candidates([]) is None


def test_place_outside_reports_city_distance():
    assert place_in_gap_or_outside(False, 812.5, []) == Placement(
        None, "outside", 812.5
    )


def test_place_gap_goes_to_nearest():
    placed = place_in_gap_or_outside(True, 0.0, [("A", 9.0), ("B", 4.0)])
    assert placed == Placement("B", "gap", 4.0)


def test_place_gap_tie_goes_to_lowest_code():
    placed = place_in_gap_or_outside(True, 0.0, [("B", 4.0), ("A", 4.0)])
    assert placed == Placement("A", "gap", 4.0)


def test_locator_inside(sample_locator):
    placed = sample_locator.locate(WEST + STEP / 2, SOUTH + STEP / 2)
    assert placed == Placement("99.01.01.1001", "inside", None)


def test_locator_shared_edge_goes_to_lowest_code(sample_locator):
    placed = sample_locator.locate(WEST + 2 * STEP, SOUTH + STEP / 3)
    assert placed == Placement("99.01.01.1002", "boundary", None)


def test_locator_shared_vertex_goes_to_lowest_code(sample_locator):
    placed = sample_locator.locate(WEST + STEP, SOUTH)
    assert placed == Placement("99.01.01.1001", "boundary", None)


def test_locator_city_edge_is_boundary(sample_locator):
    placed = sample_locator.locate(WEST, SOUTH + STEP / 2)
    assert placed == Placement("99.01.01.1001", "boundary", None)


def test_locator_within_edge_tolerance_is_boundary(sample_locator):
    placed = sample_locator.locate(
        WEST + STEP + EDGE_TOLERANCE_DEG / 2, SOUTH + STEP / 2
    )
    assert placed.match == "boundary"


def test_locator_beyond_edge_tolerance_is_inside(sample_locator):
    placed = sample_locator.locate(
        WEST + STEP + 10 * EDGE_TOLERANCE_DEG, SOUTH + STEP / 2
    )
    assert placed == Placement("99.01.01.1002", "inside", None)


def test_locator_outside_distance_is_geodesic(sample_locator):
    lon, lat = WEST + STEP / 2, SOUTH + 2 * STEP
    _, _, expected = GEOD.inv(lon, lat, lon, SOUTH + STEP)
    placed = sample_locator.locate(lon, lat)
    assert placed.match == "outside"
    assert placed.code is None
    assert placed.distance_m == pytest.approx(expected, abs=0.5)


def test_locator_far_point_distance_is_geodesic(sample_locator):
    # Bandung, about 120 km south-east; the nearest point of the city is its
    # south-east corner.
    lon, lat = 107.6191, -6.9175
    _, _, expected = GEOD.inv(lon, lat, WEST + 3 * STEP, SOUTH)
    placed = sample_locator.locate(lon, lat)
    assert placed.distance_m == pytest.approx(expected, rel=0.005)


def test_locator_overlap_goes_to_deepest(uneven_locator):
    # In the overlap strip 0.0005 degree from A's west edge and 0.0015 from B's
    # east edge, so the point lies deeper in B.
    placed = uneven_locator.locate(WEST + STEP - 0.0015, SOUTH + STEP / 2)
    assert placed == Placement("B", "overlap", None)


def test_locator_gap_goes_to_nearest_with_distance(uneven_locator):
    lon, lat = WEST + 2 * STEP - 0.0005, SOUTH + STEP / 2
    _, _, expected = GEOD.inv(lon, lat, WEST + 2 * STEP, lat)
    placed = uneven_locator.locate(lon, lat)
    assert placed.code == "C"
    assert placed.match == "gap"
    assert placed.distance_m == pytest.approx(expected, abs=0.5)
