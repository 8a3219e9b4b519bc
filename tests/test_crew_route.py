"""The day's route: picked or nearest tasks ordered by geo.route_order, with links."""

from __future__ import annotations

import itertools

import pytest
from pyproj import Geod

from tests.test_crew_support import SUKARASA
from tests.test_crew_support import bearer
from tests.test_crew_support import file_complaint
from tests.test_crew_support import login
from tests.test_crew_support import staff_accounts  # noqa: F401 - fixture

GEOD = Geod(ellps="WGS84")
START = (-6.18, 106.63)
# Stops around the start, spread so that visiting them in filing order is long.
STOPS = [
    (-6.17, 106.64),
    (-6.19, 106.62),
    (-6.175, 106.645),
    (-6.185, 106.615),
    (-6.165, 106.635),
]


def metres(a, b) -> float:
    return GEOD.inv(a[1], a[0], b[1], b[0])[2]


def path_length(points) -> float:
    return sum(metres(a, b) for a, b in zip(points, points[1:]))


@pytest.fixture
def stops(app, clean_complaints, staff_accounts):  # noqa: F811
    return [file_complaint(app, lat, lon) for lat, lon in STOPS]


@pytest.fixture
def crew(client):
    return bearer(client, "crew-dpupr")


def route(client, headers, **params):
    response = client.get(
        "/api/crew/route",
        headers=headers,
        query_string={"lat": START[0], "lon": START[1], **params},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_route_picked_tasks_is_shortest_order(client, stops, crew):
    codes = [code for _, code in stops]
    body = route(client, crew, code=",".join(codes))
    by_code = dict(zip(codes, STOPS))
    visited = [by_code[stop["tracking_code"]] for stop in body["stops"]]
    shortest = min(
        path_length([START, *order]) for order in itertools.permutations(STOPS)
    )
    assert body["method"] == "exact"
    assert sorted(stop["tracking_code"] for stop in body["stops"]) == sorted(codes)
    assert abs(path_length([START, *visited]) - shortest) < 0.01
    assert abs(body["total_m"] - shortest) < 0.5


def test_route_legs_add_up(client, stops, crew):
    body = route(client, crew, code=[code for _, code in stops])
    assert [stop["number"] for stop in body["stops"]] == [1, 2, 3, 4, 5]
    assert abs(sum(stop["leg_m"] for stop in body["stops"]) - body["total_m"]) < 0.5


def test_route_stops_have_navigation_links(client, stops, crew):
    first = route(client, crew, code=stops[0][1])["stops"][0]
    assert first["geo_uri"] == "geo:-6.170000,106.640000"
    assert first["directions_url"].startswith(
        "https://www.openstreetmap.org/directions"
    )
    assert "-6.180000%2C106.630000%3B-6.170000%2C106.640000" in first["directions_url"]


def test_route_nearest_n_without_picks(client, stops, crew):
    body = route(client, crew, stops=2)
    nearest_two = sorted(STOPS, key=lambda point: metres(START, point))[:2]
    codes = {code for (_, code), point in zip(stops, STOPS) if point in nearest_two}
    assert {stop["tracking_code"] for stop in body["stops"]} == codes


def test_route_heuristic_beyond_exact_limit(app, client, clean_complaints, crew):
    codes = [
        file_complaint(app, START[0] + 0.001 * i, START[1] + 0.0007 * (i % 3))[1]
        for i in range(14)
    ]
    body = route(client, crew, code=codes)
    assert body["method"] == "heuristic"
    assert len(body["stops"]) == 14


def test_route_other_opd_code_is_404(app, client, stops, crew):
    _, foreign = file_complaint(app, *SUKARASA, opd="DISHUB")
    response = client.get(
        "/api/crew/route",
        headers=crew,
        query_string={"lat": START[0], "lon": START[1], "code": [stops[0][1], foreign]},
    )
    assert response.status_code == 404


def test_route_finished_task_is_409(app, client, clean_complaints, crew):
    _, done = file_complaint(app, *SUKARASA, status="selesai")
    response = client.get(
        "/api/crew/route",
        headers=crew,
        query_string={"lat": START[0], "lon": START[1], "code": done},
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "task_closed"


def test_route_rejects_malformed_code(client, crew):
    response = client.get(
        "/api/crew/route",
        headers=crew,
        query_string={"lat": START[0], "lon": START[1], "code": "DROP TABLE"},
    )
    assert response.status_code == 400
    assert response.json["error"]["field"] == "code"


def test_route_page_numbers_stops_and_links(client, stops):
    login(client, "crew-dpupr")
    page = client.get(
        "/petugas/rute",
        query_string={
            "lat": START[0],
            "lon": START[1],
            "code": [code for _, code in stops],
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("L.divIcon(") == 5
    assert html.count('class="stop-number"') == 5
    assert html.count('href="geo:') == 5
    assert "openstreetmap.org/directions" in html
