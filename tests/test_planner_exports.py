"""Exports carry public fields only and are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest

from app.intake import create_complaint
from app.intake_request import ComplaintRequest
from app.planner.exports import spreadsheet_safe
from tests.test_crew_support import login
from tests.test_crew_support import staff_accounts  # noqa: F401

NAME = "Budi Santoso Exportcheck"
PHONE = "081234567890"
EMAIL = "budi.exportcheck@example.com"
NIK = "3671012345678901"
SECRET_TEXT = "rahasia-tidak-boleh-keluar"



@pytest.fixture
def client(app, loaded_city, staff_accounts):
    """A test client logged in as a planner; the planner pages are for staff only."""
    client = app.test_client()
    login(client, "planner")
    return client

@pytest.fixture
def exported_complaints(app, clean_complaints, loaded_city):
    """Three complaints with contact data: plain, formula-like and confidential."""
    services = app.extensions["aduan"]
    requests = [
        ComplaintRequest(
            category="pju",
            description=f"Lampu mati, NIK saya {NIK}",
            lat=-6.17,
            lon=106.63,
            location_source="gps",
            name=NAME,
            phone=PHONE,
            email=EMAIL,
            consent=True,
        ),
        ComplaintRequest(
            category="sampah",
            description='=HYPERLINK("http://x")',
            lat=-6.18,
            lon=106.64,
            location_source="gps",
        ),
        ComplaintRequest(
            category="jalan-rusak",
            description=SECRET_TEXT,
            lat=-6.19,
            lon=106.62,
            location_source="map_pin",
            name=NAME,
            phone=PHONE,
            consent=True,
            confidential=True,
        ),
        ComplaintRequest(
            category="adminduk",
            description=f"KK saya {SECRET_TEXT}",
            name=NAME,
            phone=PHONE,
            consent=True,
        ),
    ]
    with app.app_context(), services.new_session() as session:
        for request in requests:
            create_complaint(session, loaded_city, request, channel="web")
        session.commit()


def _private_values_in(body: str) -> list[str]:
    return [value for value in (NAME, PHONE, EMAIL, NIK, SECRET_TEXT) if value in body]


def test_export_csv_has_no_private_fields(client, exported_complaints):
    response = client.get("/planner/export.csv")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert _private_values_in(body) == []
    header = next(csv.reader(io.StringIO(body)))
    assert not {"name", "phone", "email", "reporter_token_hash", "address_note"} & set(
        header
    )


def test_export_csv_rows_and_withheld_description(client, exported_complaints):
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/planner/export.csv").get_data(as_text=True))
        )
    )
    assert len(rows) == 4
    by_category = {row["category_code"]: row for row in rows}
    assert by_category["jalan-rusak"]["description"] == ""
    assert by_category["jalan-rusak"]["description_withheld"] == "True"
    assert by_category["adminduk"]["lat"] == ""
    assert "*" * 16 in by_category["pju"]["description"]
    assert by_category["pju"]["kecamatan_code"] == "36.71.01"


def test_export_csv_prefixes_formula_cells(client, exported_complaints):
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/planner/export.csv").get_data(as_text=True))
        )
    )
    by_category = {row["category_code"]: row for row in rows}
    assert by_category["sampah"]["description"].startswith("'=HYPERLINK")
    assert float(by_category["sampah"]["lat"]) == pytest.approx(-6.18)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_spreadsheet_safe_prefixes_formula_starts(text):
    assert spreadsheet_safe(text) == "'" + text


def test_spreadsheet_safe_keeps_plain_text_and_numbers():
    assert spreadsheet_safe("Lampu mati") == "Lampu mati"
    assert spreadsheet_safe(-6.17) == -6.17


def test_export_geojson_is_rfc7946_points(client, exported_complaints):
    response = client.get("/planner/export.geojson")
    body = response.json
    assert response.mimetype == "application/geo+json"
    assert body["type"] == "FeatureCollection"
    assert "crs" not in body
    located = [f for f in body["features"] if f["geometry"] is not None]
    assert len(located) == 3
    assert all(f["geometry"]["type"] == "Point" for f in located)
    lon, lat = located[0]["geometry"]["coordinates"]
    assert 106 < lon < 107
    assert -7 < lat < -6


def test_export_geojson_has_no_private_fields(client, exported_complaints):
    body = client.get("/planner/export.geojson").get_data(as_text=True)
    assert _private_values_in(body) == []
    properties = client.get("/planner/export.geojson").json["features"][0]["properties"]
    assert not {"name", "phone", "email", "address_note"} & set(properties)


def test_export_applies_filters(client, exported_complaints):
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/planner/export.csv?category=pju,sampah").get_data(
                    as_text=True
                )
            )
        )
    )
    assert sorted(row["category_code"] for row in rows) == ["pju", "sampah"]


def test_export_rejects_unknown_kecamatan(client, exported_complaints):
    response = client.get("/planner/export.csv?kecamatan=99.99")
    assert response.status_code == 400
