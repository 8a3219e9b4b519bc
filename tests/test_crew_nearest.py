"""Nearest tasks on real PostGIS: geodesic order, radius, paging, ties, OPD scope."""

from __future__ import annotations

import random

import pytest
from pyproj import Geod

from app.crew import nearest
from tests.test_crew_support import SUKARASA
from tests.test_crew_support import bearer
from tests.test_crew_support import file_complaint
from tests.test_crew_support import staff_accounts  # noqa: F401 - fixture

GEOD = Geod(ellps="WGS84")
CENTRE_LAT, CENTRE_LON = -6.18, 106.63


def geodesic_m(lat1, lon1, lat2, lon2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def scatter(app, count: int, seed: int, opd: str = "DPUPR") -> dict[str, tuple]:
    """File `count` complaints at random points within about 3 km of the centre."""
    rng = random.Random(seed)
    points = {}
    for _ in range(count):
        lat = CENTRE_LAT + rng.uniform(-0.025, 0.025)
        lon = CENTRE_LON + rng.uniform(-0.025, 0.025)
        complaint_id, code = file_complaint(app, lat, lon, opd=opd)
        points[code] = (complaint_id, lat, lon)
    return points


def brute_force_order(points: dict, lat: float, lon: float) -> list[tuple[str, float]]:
    ranked = sorted(
        (geodesic_m(lat, lon, p_lat, p_lon), complaint_id, code)
        for code, (complaint_id, p_lat, p_lon) in points.items()
    )
    return [(code, distance) for distance, _, code in ranked]


def get_tasks(client, headers, **params):
    response = client.get("/api/crew/tasks", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


@pytest.fixture
def dpupr_headers(client, staff_accounts):  # noqa: F811
    return bearer(client, "crew-dpupr")


def test_nearest_order_matches_brute_force(
    app, client, clean_complaints, dpupr_headers
):
    points = scatter(app, 40, seed=7)
    body = get_tasks(client, dpupr_headers, lat=CENTRE_LAT, lon=CENTRE_LON, limit=100)
    expected = brute_force_order(points, CENTRE_LAT, CENTRE_LON)
    assert [item["tracking_code"] for item in body["items"]] == [c for c, _ in expected]


def test_nearest_distances_match_pyproj(app, client, clean_complaints, dpupr_headers):
    points = scatter(app, 25, seed=11)
    body = get_tasks(client, dpupr_headers, lat=CENTRE_LAT, lon=CENTRE_LON, limit=100)
    for item in body["items"]:
        _, lat, lon = points[item["tracking_code"]]
        assert (
            abs(item["distance_m"] - geodesic_m(CENTRE_LAT, CENTRE_LON, lat, lon)) < 0.5
        )


def test_nearest_items_have_required_fields(
    app, client, clean_complaints, dpupr_headers
):
    file_complaint(app, *SUKARASA)
    item = get_tasks(client, dpupr_headers, lat=SUKARASA[0], lon=SUKARASA[1])["items"][
        0
    ]
    assert set(item) >= {
        "tracking_code",
        "lat",
        "lon",
        "distance_m",
        "category",
        "age_days",
        "due_at",
        "kelurahan",
        "support_count",
        "overdue",
    }
    assert item["kelurahan"] == "Sukarasa"
    assert item["distance_m"] == 0.0


def test_nearest_radius_filter(app, client, clean_complaints, dpupr_headers):
    points = scatter(app, 30, seed=3)
    radius_m = 1500
    body = get_tasks(
        client,
        dpupr_headers,
        lat=CENTRE_LAT,
        lon=CENTRE_LON,
        radius_m=radius_m,
        limit=100,
    )
    expected = [
        c for c, d in brute_force_order(points, CENTRE_LAT, CENTRE_LON) if d <= radius_m
    ]
    assert [item["tracking_code"] for item in body["items"]] == expected
    assert body["total"] == len(expected)


def test_nearest_radius_boundary_is_inclusive(
    app, client, clean_complaints, dpupr_headers
):
    _, code = file_complaint(app, CENTRE_LAT + 0.01, CENTRE_LON)
    exact = geodesic_m(CENTRE_LAT, CENTRE_LON, CENTRE_LAT + 0.01, CENTRE_LON)
    inside = get_tasks(
        client, dpupr_headers, lat=CENTRE_LAT, lon=CENTRE_LON, radius_m=exact + 0.01
    )
    outside = get_tasks(
        client, dpupr_headers, lat=CENTRE_LAT, lon=CENTRE_LON, radius_m=exact - 0.01
    )
    assert [item["tracking_code"] for item in inside["items"]] == [code]
    assert outside["items"] == []


def test_nearest_paging_with_ties(app, client, clean_complaints, dpupr_headers):
    # Seven complaints on one spot tie in distance; id breaks the tie.
    tied = [file_complaint(app, *SUKARASA) for _ in range(7)]
    near_id, near_code = file_complaint(app, SUKARASA[0] + 0.0005, SUKARASA[1])
    seen = []
    for page in (1, 2, 3):
        body = get_tasks(
            client, dpupr_headers, lat=SUKARASA[0], lon=SUKARASA[1], limit=3, page=page
        )
        seen += [item["tracking_code"] for item in body["items"]]
    assert seen == [code for _, code in sorted(tied)] + [near_code]
    assert body["total"] == 8


def test_nearest_page_beyond_end_is_empty(app, client, clean_complaints, dpupr_headers):
    file_complaint(app, *SUKARASA)
    body = get_tasks(client, dpupr_headers, lat=SUKARASA[0], lon=SUKARASA[1], page=5)
    assert body["items"] == []
    assert body["total"] == 1


def test_nearest_only_own_opd(app, client, clean_complaints, dpupr_headers):
    _, own = file_complaint(app, *SUKARASA, opd="DPUPR")
    file_complaint(app, SUKARASA[0], SUKARASA[1] + 0.001, opd="DISHUB")
    body = get_tasks(client, dpupr_headers, lat=SUKARASA[0], lon=SUKARASA[1])
    assert [item["tracking_code"] for item in body["items"]] == [own]
    assert body["total"] == 1


def test_nearest_admin_sees_every_opd(
    app,
    client,
    clean_complaints,
    staff_accounts,  # noqa: F811
):
    file_complaint(app, *SUKARASA, opd="DPUPR")
    file_complaint(app, SUKARASA[0], SUKARASA[1] + 0.001, opd="DISHUB")
    body = get_tasks(client, bearer(client, "admin"), lat=SUKARASA[0], lon=SUKARASA[1])
    assert body["total"] == 2


def test_nearest_leaves_out_closed(app, client, clean_complaints, dpupr_headers):
    file_complaint(app, *SUKARASA, status="selesai")
    _, open_code = file_complaint(app, SUKARASA[0] + 0.001, SUKARASA[1])
    body = get_tasks(client, dpupr_headers, lat=SUKARASA[0], lon=SUKARASA[1])
    assert [item["tracking_code"] for item in body["items"]] == [open_code]


def test_nearest_status_filter(app, client, clean_complaints, dpupr_headers):
    file_complaint(app, *SUKARASA, status="menunggu")
    _, working = file_complaint(app, SUKARASA[0] + 0.001, SUKARASA[1], status="proses")
    body = get_tasks(
        client, dpupr_headers, lat=SUKARASA[0], lon=SUKARASA[1], status="proses"
    )
    assert [item["tracking_code"] for item in body["items"]] == [working]


def test_nearest_category_filter(app, client, clean_complaints, dpupr_headers):
    file_complaint(app, *SUKARASA, category="jalan-rusak")
    _, pavement = file_complaint(
        app, SUKARASA[0] + 0.001, SUKARASA[1], category="trotoar-rusak"
    )
    body = get_tasks(
        client,
        dpupr_headers,
        lat=SUKARASA[0],
        lon=SUKARASA[1],
        category="trotoar-rusak",
    )
    assert [item["tracking_code"] for item in body["items"]] == [pavement]


def test_nearest_fetches_more_when_knn_order_differs(
    app, client, clean_complaints, dpupr_headers, monkeypatch
):
    # Near 6 degrees south a degree of longitude is longer than one of latitude,
    # so the points east and west are nearer in degrees but farther on the
    # spheroid. The first KNN batch (two per needed task) holds only those two.
    file_complaint(app, CENTRE_LAT, CENTRE_LON + 0.01)
    file_complaint(app, CENTRE_LAT, CENTRE_LON - 0.010001)
    _, north = file_complaint(app, CENTRE_LAT + 0.010005, CENTRE_LON)
    assert geodesic_m(CENTRE_LAT, CENTRE_LON, CENTRE_LAT + 0.010005, CENTRE_LON) < (
        geodesic_m(CENTRE_LAT, CENTRE_LON, CENTRE_LAT, CENTRE_LON + 0.01)
    )
    monkeypatch.setattr(nearest, "MIN_CANDIDATES", 1)
    body = get_tasks(client, dpupr_headers, lat=CENTRE_LAT, lon=CENTRE_LON, limit=1)
    assert [item["tracking_code"] for item in body["items"]] == [north]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lon": 106.63}, "lat"),
        ({"lat": "abc", "lon": 106.63}, "lat"),
        ({"lat": -6.17, "lon": 200}, "lon"),
        ({"lat": -6.17, "lon": 106.63, "radius_m": "-5"}, "radius_m"),
        ({"lat": -6.17, "lon": 106.63, "radius_m": "nan"}, "radius_m"),
        ({"lat": -6.17, "lon": 106.63, "limit": "0"}, "limit"),
        ({"lat": -6.17, "lon": 106.63, "limit": "101"}, "limit"),
        ({"lat": -6.17, "lon": 106.63, "page": "x"}, "page"),
        ({"lat": -6.17, "lon": 106.63, "status": "selesai"}, "status"),
    ],
)
def test_nearest_rejects_bad_parameters(client, dpupr_headers, params, field):
    response = client.get("/api/crew/tasks", query_string=params, headers=dpupr_headers)
    assert response.status_code == 400
    assert response.json["error"]["field"] == field


def test_min_metres_per_degree_is_a_lower_bound():
    rng = random.Random(5)
    for _ in range(500):
        lat = rng.uniform(-60, 60)
        d_lat, d_lon = rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)
        if abs(lat + d_lat) > 89:
            continue
        planar_deg = (d_lat**2 + d_lon**2) ** 0.5
        bound = planar_deg * nearest.min_metres_per_degree(lat, planar_deg)
        assert bound <= geodesic_m(lat, 0.0, lat + d_lat, d_lon)


def test_radius_box_holds_the_whole_circle():
    lat, radius_m = -6.18, 5000.0
    box = nearest.radius_box_deg(lat, radius_m)
    for azimuth in range(0, 360, 5):
        lon2, lat2, _ = GEOD.fwd(106.63, lat, azimuth, radius_m)
        assert abs(lat2 - lat) <= box
        assert abs(lon2 - 106.63) <= box
