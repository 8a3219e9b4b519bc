"""The reporter's choice of kelurahan for a point near a kelurahan border."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.test_citizen_helpers import complaint_row
from tests.test_citizen_helpers import file_complaint
from tests.test_citizen_helpers import scalar

# Pairs of neighbouring kelurahan in different kecamatan, with a point on the
# border of the first that lies closest to the inside of the second.
NEIGHBOURS = text(
    """
    SELECT a.code, b.code, ST_Y(edge.geom), ST_X(edge.geom),
           ST_Y(ST_PointOnSurface(a.geom)), ST_X(ST_PointOnSurface(a.geom))
    FROM area a
    JOIN boundary_version v ON v.id = a.boundary_version_id AND v.is_current
    JOIN area b ON b.boundary_version_id = a.boundary_version_id AND b.rank = 2
     AND b.parent_code <> a.parent_code AND ST_DWithin(a.geom, b.geom, 0.00001)
    CROSS JOIN LATERAL (
        SELECT ST_ClosestPoint(a.geom, ST_PointOnSurface(b.geom)) AS geom) AS edge
    WHERE a.rank = 2
    ORDER BY a.code, b.code
    LIMIT 20
    """
)
# Degrees moved from the border towards the inside of the first kelurahan.
STEP = 0.00005


@pytest.fixture
def near_border(client, engine):
    """(lat, lon, located kelurahan, neighbour kelurahan) for a point near a border."""
    with engine.connect() as conn:
        rows = conn.execute(NEIGHBOURS).all()
    for located_code, other, lat, lon, inner_lat, inner_lon in rows:
        length = ((inner_lat - lat) ** 2 + (inner_lon - lon) ** 2) ** 0.5
        point = (lat + STEP * (inner_lat - lat) / length,
                 lon + STEP * (inner_lon - lon) / length)
        located = client.get(
            f"/api/locate?lat={point[0]}&lon={point[1]}&accuracy_m=30").json
        candidates = [entry["code"] for entry in located["near_border"]]
        if located["kelurahan_code"] == located_code and other in candidates:
            return point[0], point[1], located_code, other
    pytest.fail("no point near a kecamatan border found in the boundaries")


def file_near(client, near_border, category="saluran-tersumbat"):
    lat, lon, _, _ = near_border
    return file_complaint(client, category=category, lat=lat, lon=lon, accuracy_m=30,
                          location_source="gps")


def answer(client, filed, area_code, token=None):
    return client.post(f"/api/complaints/{filed['tracking_code']}/area", json={
        "reporter_token": token or filed["reporter_token"], "area_code": area_code})


def test_answer_other_side_moves_and_reroutes(client, engine, near_border,
                                              clean_complaints):
    filed = file_near(client, near_border)
    _, _, _, other = near_border
    response = answer(client, filed, other)
    assert response.status_code == 200
    assert response.json["kelurahan"]["code"] == other
    assert response.json["kecamatan"]["code"] == other.rsplit(".", 1)[0]
    assert response.json["opd"]["code"] == f"KEC-{other.rsplit('.', 1)[0]}"
    assert response.json["near_border"] is False


def test_answer_other_side_recorded(client, engine, near_border, clean_complaints):
    filed = file_near(client, near_border)
    answer(client, filed, near_border[3])
    assert scalar(engine, "SELECT count(*) FROM complaint_event WHERE kind = "
                  "'area_resolved' AND actor_kind = 'citizen'") == 1
    assert scalar(engine, "SELECT count(*) FROM complaint_event WHERE kind = "
                  "'reroute' AND to_opd_id IS NOT NULL") == 1
    row = complaint_row(engine, filed["tracking_code"])
    assert row["near_border_resolved_at"] is not None


def test_answer_same_side_keeps_area(client, engine, near_border, clean_complaints):
    filed = file_near(client, near_border)
    before = complaint_row(engine, filed["tracking_code"])
    response = answer(client, filed, near_border[2])
    assert response.status_code == 200
    after = complaint_row(engine, filed["tracking_code"])
    assert after["area_id"] == before["area_id"]
    assert after["opd_id"] == before["opd_id"]


def test_answer_unoffered_area_rejected(client, near_border, clean_complaints):
    filed = file_near(client, near_border)
    response = answer(client, filed, "36.71.99.9999")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_area"


def test_answer_needs_reporter_token(client, near_border, clean_complaints):
    filed = file_near(client, near_border)
    response = answer(client, filed, near_border[3], token="wrong")
    assert response.status_code == 403


def test_answer_twice_conflicts(client, near_border, clean_complaints):
    filed = file_near(client, near_border)
    answer(client, filed, near_border[3])
    response = answer(client, filed, near_border[2])
    assert response.status_code == 409
    assert response.json["error"]["code"] == "not_near_border"


def test_answer_without_border_question(client, clean_complaints):
    filed = file_complaint(client)
    response = answer(client, filed, "36.71.01.1001")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "not_near_border"


def test_answer_shown_in_history(client, near_border, clean_complaints):
    filed = file_near(client, near_border)
    answer(client, filed, near_border[3])
    html = client.get(f"/lacak/{filed['tracking_code']}").get_data(as_text=True)
    assert "Pelapor memastikan lokasi masalah di" in html
