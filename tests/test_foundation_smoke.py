"""The application starts on real PostGIS and returns one error shape."""

from __future__ import annotations


def test_health_reports_boundary_version(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json["boundary_version"] is not None


def test_locate_api_inside_point(client):
    response = client.get("/api/locate?lat=-6.17&lon=106.63")
    assert response.status_code == 200
    assert response.json["kelurahan_code"] == "36.71.01.1001"
    assert response.json["kecamatan_code"] == "36.71.01"
    assert response.json["match"] == "inside"


def test_locate_api_rejects_text_lat(client):
    response = client.get("/api/locate?lat=abc&lon=106.63")
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid_lat"
    assert error["field"] == "lat"
    assert error["value"] == "abc"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


def test_unknown_page_is_html_404(client):
    response = client.get("/nothing-here", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert b"404" in response.data
