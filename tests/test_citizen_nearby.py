"""Open complaints near a point: the radius, the spatial query and GET /api/nearby."""

from __future__ import annotations

import math

import pytest

from app.citizen.nearby import search_radius_m
from app.queries.nearby import find_nearby_open
from tests.test_citizen_helpers import SUKARASA
from tests.test_citizen_helpers import attach_photo
from tests.test_citizen_helpers import file_complaint
from tests.test_citizen_helpers import move_status

# One metre northwards in degrees of latitude.
METRE_LAT = 1 / 110_574


def north_of(metres: float) -> tuple[float, float]:
    return SUKARASA[0] + metres * METRE_LAT, SUKARASA[1]


@pytest.mark.parametrize("accuracy, radius", [
    (None, 50.0), (0, 50.0), (30, 80.0), (100, 150.0), (2000, 150.0),
    (-5, 50.0), (math.nan, 50.0),
])
def test_search_radius_widens_with_accuracy(accuracy, radius):
    assert search_radius_m(accuracy) == radius


def find(app, engine, lat, lon, radius_m, category="jalan-rusak"):
    city = app.extensions["aduan"].city
    with engine.connect() as conn:
        return find_nearby_open(conn, city.code, category, lon, lat, radius_m)


def test_find_nearby_open_inside_radius(app, client, engine, clean_complaints):
    filed = file_complaint(client)
    lat, lon = north_of(30)
    found = find(app, engine, lat, lon, 50)
    assert [item.tracking_code for item in found] == [filed["tracking_code"]]
    assert 28 < found[0].distance_m < 32


def test_find_nearby_open_outside_radius(app, client, engine, clean_complaints):
    file_complaint(client)
    lat, lon = north_of(80)
    assert find(app, engine, lat, lon, 50) == []


def test_find_nearby_open_other_category(app, client, engine, clean_complaints):
    file_complaint(client, category="sampah")
    assert find(app, engine, *SUKARASA, 50) == []


def test_find_nearby_open_skips_finished(app, client, engine, clean_complaints):
    filed = file_complaint(client)
    move_status(app, filed["tracking_code"], "proses", "selesai")
    assert find(app, engine, *SUKARASA, 50) == []


def test_find_nearby_open_nearest_first(app, client, engine, clean_complaints):
    far = file_complaint(client, lat=north_of(40)[0])
    near = file_complaint(client, lat=north_of(10)[0])
    found = find(app, engine, *SUKARASA, 50)
    assert [item.tracking_code for item in found] == [
        near["tracking_code"], far["tracking_code"]]


def test_nearby_api_widens_by_accuracy(client, clean_complaints):
    file_complaint(client)
    lat, lon = north_of(80)
    narrow = client.get(f"/api/nearby?lat={lat}&lon={lon}&category=jalan-rusak")
    wide = client.get(
        f"/api/nearby?lat={lat}&lon={lon}&category=jalan-rusak&accuracy_m=40")
    assert narrow.json["items"] == []
    assert wide.json["radius_m"] == 90
    assert len(wide.json["items"]) == 1


def test_nearby_api_lists_photo_and_age(client, clean_complaints):
    filed = file_complaint(client)
    name = attach_photo(client, filed)
    reply = client.get(f"/api/nearby?lat={SUKARASA[0]}&lon={SUKARASA[1]}"
                       "&category=jalan-rusak").json
    item = reply["items"][0]
    assert item["photos"] == [f"/foto/{name}"]
    assert item["age"]
    assert item["url"] == f"/lacak/{filed['tracking_code']}"
    assert item["description"] == "Jalan berlubang besar di depan sekolah"


def test_nearby_api_withholds_confidential(client, clean_complaints):
    filed = file_complaint(client, confidential=True)
    attach_photo(client, filed)
    item = client.get(f"/api/nearby?lat={SUKARASA[0]}&lon={SUKARASA[1]}"
                      "&category=jalan-rusak").json["items"][0]
    assert item["description"] is None
    assert item["photos"] == []
    assert item["confidential"] is True


def test_nearby_api_masks_phone_numbers(client, clean_complaints):
    file_complaint(client, description="Lubang besar, hubungi saya di 081234567890")
    item = client.get(f"/api/nearby?lat={SUKARASA[0]}&lon={SUKARASA[1]}"
                      "&category=jalan-rusak").json["items"][0]
    assert "081234567890" not in item["description"]


def test_nearby_api_requires_category(client, clean_complaints):
    response = client.get(f"/api/nearby?lat={SUKARASA[0]}&lon={SUKARASA[1]}")
    assert response.status_code == 400
    assert response.json["error"]["field"] == "category"


def test_nearby_api_rejects_text_lat(client, clean_complaints):
    response = client.get("/api/nearby?lat=abc&lon=106.63&category=pju")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_lat"

