"""Tests for ordering a crew's stops into a route and for navigation links."""

from __future__ import annotations

import itertools
import logging
import math

import numpy as np
import pytest
from shapely.geometry import LineString

from geo.geodesy import distance_matrix_m
from geo.route_order import EXACT_MAX_STOPS
from geo.route_order import MAX_STOPS
from geo.route_order import TIE_TOLERANCE_M
from geo.route_order import Route
from geo.route_order import geo_uri
from geo.route_order import improve_two_opt
from geo.route_order import leg_lengths_m
from geo.route_order import order_exact
from geo.route_order import order_heuristic
from geo.route_order import order_nearest_neighbour
from geo.route_order import osm_directions_url
from geo.route_order import plan_route

# Kota Tangerang lies roughly within this box of (lon, lat) degrees.
TANGERANG_LON = (106.55, 106.72)
TANGERANG_LAT = (-6.30, -6.10)
CREW_POSITION = (106.6300, -6.1783)

# Maximum and mean ratio of heuristic to optimal route length that the 9 and 10 stop
# tests accept. 2-opt has no fixed bound, so these limits were set from runs on the
# random instances below.
HEURISTIC_MAX_RATIO = 1.3
HEURISTIC_MEAN_RATIO = 1.05


def random_stops(seed: int, count: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    lons = rng.uniform(*TANGERANG_LON, size=count)
    lats = rng.uniform(*TANGERANG_LAT, size=count)
    return [(float(lon), float(lat)) for lon, lat in zip(lons, lats)]


def route_matrix(start, stops) -> np.ndarray:
    points = [start, *stops]
    return distance_matrix_m([p[0] for p in points], [p[1] for p in points])


def route_length_m(matrix, order, return_to_start=False) -> float:
    return math.fsum(leg_lengths_m(matrix, order, return_to_start))


def brute_force_order(matrix, return_to_start=False) -> tuple[list[int], float]:
    """Return the first order, in lexicographic order, among the shortest ones."""
    stop_count = matrix.shape[0] - 1
    orders = np.array(list(itertools.permutations(range(stop_count))))
    rows = np.hstack([np.zeros((len(orders), 1), dtype=int), orders + 1])
    if return_to_start:
        rows = np.hstack([rows, np.zeros((len(orders), 1), dtype=int)])
    lengths = matrix[rows[:, :-1], rows[:, 1:]].sum(axis=1)
    best = int(np.flatnonzero(lengths <= lengths.min() + TIE_TOLERANCE_M)[0])
    return orders[best].tolist(), float(lengths[best])


def reference_shortest_length_m(matrix, return_to_start=False) -> float:
    """Compute the shortest route length with a plain-Python forward Held-Karp."""
    stop_count = matrix.shape[0] - 1
    # Key (subset, last): shortest path from start through subset, ending at last.
    shortest = {(1 << k, k): matrix[0, k + 1] for k in range(stop_count)}
    for subset in range(1, 1 << stop_count):
        for last in range(stop_count):
            if (subset, last) not in shortest:
                continue
            for k in range(stop_count):
                if subset & (1 << k):
                    continue
                key = (subset | (1 << k), k)
                length = shortest[(subset, last)] + matrix[last + 1, k + 1]
                shortest[key] = min(shortest.get(key, math.inf), length)
    full = (1 << stop_count) - 1
    ends = [
        shortest[(full, last)] + (matrix[last + 1, 0] if return_to_start else 0.0)
        for last in range(stop_count)
    ]
    return float(min(ends))


def two_opt_changes_m(matrix, order, return_to_start=False) -> list[float]:
    """List the length change of every segment reversal, written out leg by leg."""
    path = [0, *(stop + 1 for stop in order)]
    if return_to_start:
        path.append(0)
    last_movable = len(path) - 2 if return_to_start else len(path) - 1
    changes = []
    for first in range(1, last_movable + 1):
        for last in range(first + 1, last_movable + 1):
            before, head, tail = path[first - 1], path[first], path[last]
            change = matrix[before, tail] - matrix[before, head]
            if last + 1 < len(path):
                after = path[last + 1]
                change += matrix[head, after] - matrix[tail, after]
            changes.append(float(change))
    return changes


# plan_route: exact ordering


@pytest.mark.parametrize("return_to_start", [False, True])
@pytest.mark.parametrize("stop_count", range(1, 9))
def test_plan_route_exact_matches_brute_force(stop_count, return_to_start):
    for seed in range(12):
        stops = random_stops(seed, stop_count)
        route = plan_route(CREW_POSITION, stops, return_to_start)
        matrix = route_matrix(CREW_POSITION, stops)
        expected_order, expected_m = brute_force_order(matrix, return_to_start)
        assert route.method == "exact"
        assert route.total_m == pytest.approx(expected_m, abs=1e-6), seed
        assert route.order == expected_order, seed


@pytest.mark.parametrize("return_to_start", [False, True])
def test_order_exact_matches_brute_force_9_stops(return_to_start):
    matrix = route_matrix(CREW_POSITION, random_stops(9, 9))
    expected_order, expected_m = brute_force_order(matrix, return_to_start)
    order = order_exact(matrix, return_to_start)
    assert route_length_m(matrix, order, return_to_start) == pytest.approx(
        expected_m, abs=1e-6
    )
    assert order == expected_order


@pytest.mark.parametrize("return_to_start", [False, True])
@pytest.mark.parametrize("stop_count", [10, EXACT_MAX_STOPS])
def test_order_exact_matches_reference_length(stop_count, return_to_start):
    matrix = route_matrix(CREW_POSITION, random_stops(stop_count, stop_count))
    order = order_exact(matrix, return_to_start)
    expected_m = reference_shortest_length_m(matrix, return_to_start)
    assert route_length_m(matrix, order, return_to_start) == pytest.approx(
        expected_m, abs=1e-6
    )


def test_plan_route_exact_up_to_limit():
    route = plan_route(CREW_POSITION, random_stops(0, EXACT_MAX_STOPS))
    assert route.method == "exact"


def test_plan_route_heuristic_above_limit():
    route = plan_route(CREW_POSITION, random_stops(0, EXACT_MAX_STOPS + 1))
    assert route.method == "heuristic"


def test_plan_route_closed_tour_direction():
    # A closed tour and its reverse have the same length, so the tie goes to the
    # direction whose first stop has the lower index.
    for seed in range(10):
        route = plan_route(CREW_POSITION, random_stops(seed, 6), return_to_start=True)
        assert route.order[0] < route.order[-1], seed


# plan_route: result shape and edge cases


def test_plan_route_no_stops():
    route = plan_route(CREW_POSITION, [])
    assert route == Route(order=[], legs_m=[], total_m=0.0, method="exact")


def test_plan_route_no_stops_return_to_start():
    route = plan_route(CREW_POSITION, [], return_to_start=True)
    assert route == Route(order=[], legs_m=[], total_m=0.0, method="exact")


def test_plan_route_one_stop():
    stop = (106.6500, -6.2000)
    route = plan_route(CREW_POSITION, [stop])
    expected_m = float(route_matrix(CREW_POSITION, [stop])[0, 1])
    assert route.order == [0]
    assert route.legs_m == [expected_m]
    assert route.total_m == expected_m


def test_plan_route_one_stop_return_to_start():
    stop = (106.6500, -6.2000)
    route = plan_route(CREW_POSITION, [stop], return_to_start=True)
    assert route.order == [0]
    assert len(route.legs_m) == 2
    assert route.legs_m[0] == route.legs_m[1]


@pytest.mark.parametrize("stop_count", [5, 30])
def test_plan_route_open_has_leg_per_stop(stop_count):
    route = plan_route(CREW_POSITION, random_stops(3, stop_count))
    assert len(route.legs_m) == stop_count
    assert route.total_m == pytest.approx(sum(route.legs_m), abs=1e-6)


@pytest.mark.parametrize("stop_count", [5, 30])
def test_plan_route_closed_adds_return_leg(stop_count):
    stops = random_stops(3, stop_count)
    route = plan_route(CREW_POSITION, stops, return_to_start=True)
    last_stop = stops[route.order[-1]]
    return_m = float(route_matrix(CREW_POSITION, [last_stop])[1, 0])
    assert len(route.legs_m) == stop_count + 1
    assert route.legs_m[-1] == pytest.approx(return_m, abs=1e-9)
    assert route.total_m == pytest.approx(sum(route.legs_m), abs=1e-6)


@pytest.mark.parametrize("stop_count", [6, 40])
def test_plan_route_order_is_permutation(stop_count):
    route = plan_route(CREW_POSITION, random_stops(4, stop_count))
    assert sorted(route.order) == list(range(stop_count))


def test_plan_route_duplicates_lower_index_first():
    stops = random_stops(5, 5)
    stops.insert(3, stops[1])
    route = plan_route(CREW_POSITION, stops)
    position = route.order.index(1)
    assert route.order[position + 1] == 3
    assert route.legs_m[position + 1] == 0.0


def test_plan_route_all_stops_identical():
    stops = [(106.65, -6.20)] * 4
    route = plan_route(CREW_POSITION, stops)
    assert route.order == [0, 1, 2, 3]
    assert route.legs_m[1:] == [0.0, 0.0, 0.0]


def test_plan_route_stop_at_start_goes_first():
    stops = random_stops(6, 5)
    stops.insert(2, CREW_POSITION)
    route = plan_route(CREW_POSITION, stops)
    assert route.order[0] == 2
    assert route.legs_m[0] == 0.0


def test_plan_route_all_stops_at_start():
    route = plan_route(CREW_POSITION, [CREW_POSITION] * 3, return_to_start=True)
    assert route.order == [0, 1, 2]
    assert route.total_m == 0.0


def test_plan_route_is_deterministic():
    stops = random_stops(7, 40)
    first = plan_route(CREW_POSITION, stops)
    second = plan_route(CREW_POSITION, list(stops))
    assert first == second


def test_plan_route_max_stops_accepted():
    route = plan_route(CREW_POSITION, random_stops(8, MAX_STOPS))
    assert sorted(route.order) == list(range(MAX_STOPS))


def test_plan_route_too_many_stops_raises():
    stops = random_stops(8, MAX_STOPS + 1)
    message = f"Got {MAX_STOPS + 1} stops, but a route takes at most {MAX_STOPS}"
    with pytest.raises(ValueError, match=message):
        plan_route(CREW_POSITION, stops)


# plan_route: invalid input


@pytest.mark.parametrize(
    ("stop", "message"),
    [
        ((200.0, -6.2), "Invalid longitude 200.0 for stop 1"),
        ((106.6, -90.5), "Invalid latitude -90.5 for stop 1"),
        ((-6.2, 106.6), r"Invalid latitude 106.6 for stop 1.*\(lon, lat\)"),
        ((math.nan, -6.2), "Invalid longitude nan for stop 1"),
        ((106.6, "-6.2"), "Invalid latitude '-6.2' for stop 1"),
        ((106.6,), r"Invalid stop 1 \(106.6,\): expected a \(lon, lat\) pair"),
        ((106.6, -6.2, 10.0), r"Invalid stop 1 .*expected a \(lon, lat\) pair"),
        (None, "Invalid stop 1 None"),
    ],
)
def test_plan_route_invalid_stop_raises(stop, message):
    stops = [(106.65, -6.20), stop]
    with pytest.raises(ValueError, match=message):
        plan_route(CREW_POSITION, stops)


def test_plan_route_invalid_start_raises():
    with pytest.raises(ValueError, match="Invalid longitude inf for start"):
        plan_route((math.inf, -6.2), [(106.65, -6.20)])


def test_plan_route_invalid_start_no_stops():
    with pytest.raises(ValueError, match="Invalid latitude 95.0 for start"):
        plan_route((106.6, 95.0), [])


# Heuristic: nearest neighbour and 2-opt


@pytest.mark.parametrize("return_to_start", [False, True])
@pytest.mark.parametrize("stop_count", [9, 10, 15, 40, 100])
def test_heuristic_not_longer_than_nearest_neighbour(stop_count, return_to_start):
    for seed in range(8):
        matrix = route_matrix(CREW_POSITION, random_stops(seed, stop_count))
        heuristic_m = route_length_m(
            matrix, order_heuristic(matrix, return_to_start), return_to_start
        )
        nearest_m = route_length_m(
            matrix, order_nearest_neighbour(matrix), return_to_start
        )
        assert heuristic_m <= nearest_m + 1e-6, seed


@pytest.mark.parametrize("return_to_start", [False, True])
@pytest.mark.parametrize("stop_count", [9, 10])
def test_order_heuristic_close_to_exact(stop_count, return_to_start):
    ratios = []
    for seed in range(40):
        matrix = route_matrix(CREW_POSITION, random_stops(seed, stop_count))
        exact_order = order_exact(matrix, return_to_start)
        heuristic_order = order_heuristic(matrix, return_to_start)
        exact_m = route_length_m(matrix, exact_order, return_to_start)
        heuristic_m = route_length_m(matrix, heuristic_order, return_to_start)
        assert heuristic_m >= exact_m - 1e-6, seed
        assert heuristic_m <= HEURISTIC_MAX_RATIO * exact_m, seed
        ratios.append(heuristic_m / exact_m)
    assert np.mean(ratios) <= HEURISTIC_MEAN_RATIO


@pytest.mark.parametrize("return_to_start", [False, True])
@pytest.mark.parametrize("stop_count", [2, 3, 12, 50])
def test_improve_two_opt_leaves_no_improving_move(stop_count, return_to_start):
    for seed in range(4):
        matrix = route_matrix(CREW_POSITION, random_stops(seed, stop_count))
        order = improve_two_opt(
            matrix, order_nearest_neighbour(matrix), return_to_start
        )
        changes = two_opt_changes_m(matrix, order, return_to_start)
        assert min(changes, default=0.0) >= -TIE_TOLERANCE_M, seed


@pytest.mark.parametrize("return_to_start", [False, True])
def test_order_heuristic_legs_do_not_cross(return_to_start):
    stops = random_stops(11, 60)
    matrix = route_matrix(CREW_POSITION, stops)
    order = order_heuristic(matrix, return_to_start)
    points = [CREW_POSITION, *(stops[stop] for stop in order)]
    if return_to_start:
        points.append(CREW_POSITION)
    legs = [LineString(pair) for pair in zip(points[:-1], points[1:])]
    crossings = [
        (i, j)
        for i in range(len(legs))
        for j in range(i + 2, len(legs))
        if legs[i].crosses(legs[j])
    ]
    assert crossings == []


def test_improve_two_opt_uncrosses_square():
    # Start at the south-west corner of a square, then north-east, south-east and
    # north-west: the two diagonal legs cross.
    start = (106.60, -6.20)
    stops = [(106.60, -6.19), (106.61, -6.20), (106.61, -6.19)]
    matrix = route_matrix(start, stops)
    assert improve_two_opt(matrix, [2, 1, 0]) == order_exact(matrix)


def test_improve_two_opt_reverses_open_tail():
    # Stops on a line east of start. Only reversing the tail, which an open route
    # allows, shortens the order [0, 2, 1].
    start = (106.60, -6.20)
    stops = [(106.61, -6.20), (106.62, -6.20), (106.63, -6.20)]
    matrix = route_matrix(start, stops)
    assert improve_two_opt(matrix, [0, 2, 1]) == [0, 1, 2]


def test_improve_two_opt_keeps_optimal_order():
    matrix = route_matrix(CREW_POSITION, random_stops(12, 8))
    optimal = order_exact(matrix)
    assert improve_two_opt(matrix, optimal) == optimal


def test_improve_two_opt_move_cap_logs_warning(caplog):
    matrix = route_matrix(CREW_POSITION, random_stops(13, 30))
    start_order = list(range(30))
    with caplog.at_level(logging.WARNING, logger="geo.route_order"):
        order = improve_two_opt(matrix, start_order, max_moves=0)
    assert order == start_order
    assert "2-opt stopped at 0 moves" in caplog.text


def test_improve_two_opt_one_move_shortens():
    matrix = route_matrix(CREW_POSITION, random_stops(13, 30))
    start_order = list(range(30))
    order = improve_two_opt(matrix, start_order, max_moves=1)
    assert route_length_m(matrix, order) < route_length_m(matrix, start_order)


def test_improve_two_opt_no_warning_when_converged(caplog):
    matrix = route_matrix(CREW_POSITION, random_stops(14, 20))
    with caplog.at_level(logging.WARNING, logger="geo.route_order"):
        improve_two_opt(matrix, order_heuristic(matrix), max_moves=0)
    assert caplog.text == ""


def test_improve_two_opt_invalid_order_raises():
    matrix = route_matrix(CREW_POSITION, random_stops(15, 3))
    with pytest.raises(ValueError, match=r"Invalid order \[0, 0, 2\]"):
        improve_two_opt(matrix, [0, 0, 2])


def test_nearest_neighbour_tie_takes_lower_index():
    start = (106.60, -6.20)
    stops = [(106.61, -6.20), (106.59, -6.20), (106.61, -6.20)]
    matrix = route_matrix(start, stops)
    assert order_nearest_neighbour(matrix) == [0, 2, 1]


def test_order_exact_too_many_stops_raises():
    matrix = np.zeros((EXACT_MAX_STOPS + 2, EXACT_MAX_STOPS + 2))
    with pytest.raises(ValueError, match=f"Got {EXACT_MAX_STOPS + 1} stops"):
        order_exact(matrix)


@pytest.mark.parametrize(
    "matrix",
    [np.zeros((2, 3)), np.zeros((0, 0)), np.zeros(3)],
)
def test_order_exact_non_square_matrix_raises(matrix):
    with pytest.raises(ValueError, match="Invalid route matrix of shape"):
        order_exact(matrix)


def test_order_exact_nan_matrix_raises():
    matrix = np.array([[0.0, math.nan], [math.nan, 0.0]])
    with pytest.raises(ValueError, match="NaN or infinite"):
        order_exact(matrix)


# Navigation links


def test_geo_uri_lists_lat_first():
    assert geo_uri(106.630028, -6.178306) == "geo:-6.178306,106.630028"


def test_geo_uri_rounds_to_6_decimals():
    assert geo_uri(106.12345678, -6.98765432) == "geo:-6.987654,106.123457"


def test_geo_uri_negative_zero_prints_zero():
    assert geo_uri(-0.0000001, -0.0000002) == "geo:0.000000,0.000000"


def test_geo_uri_invalid_raises():
    with pytest.raises(ValueError, match="Invalid latitude 106.6"):
        geo_uri(-6.2, 106.6)


def test_osm_directions_url_format():
    url = osm_directions_url((106.630028, -6.178306), (106.7, -6.25))
    assert url == (
        "https://www.openstreetmap.org/directions?engine=fossgis_osrm_car"
        "&route=-6.178306%2C106.630028%3B-6.250000%2C106.700000"
    )


def test_osm_directions_url_rounds_to_6_decimals():
    url = osm_directions_url((106.12345678, -6.1), (106.2, -6.98765432))
    assert url.endswith("route=-6.100000%2C106.123457%3B-6.987654%2C106.200000")


@pytest.mark.parametrize(
    ("departure", "destination", "message"),
    [
        ((181.0, -6.2), (106.7, -6.25), "Invalid longitude 181.0 for departure"),
        ((106.6, -6.2), (106.7, math.nan), "Invalid latitude nan for destination"),
        ((106.6,), (106.7, -6.25), "Invalid departure point"),
    ],
)
def test_osm_directions_url_invalid_raises(departure, destination, message):
    with pytest.raises(ValueError, match=message):
        osm_directions_url(departure, destination)
