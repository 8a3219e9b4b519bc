"""Complaint intake on real PostGIS: validation, placing, routing, due dates, idempotency."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from datetime import timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

WIB = ZoneInfo("Asia/Jakarta")
# Inside Sukarasa (36.71.01.1001), kecamatan Tangerang (36.71.01).
SUKARASA = (-6.17, 106.63)


def file(client, headers=None, **fields):
    body = {"category": "pju", "description": "Lampu jalan mati sejak kemarin malam"}
    body.update(fields)
    return client.post("/api/complaints", json=body, headers=headers or {})


def opd_of(engine, tracking_code):
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT opd.code, c.routing_rule, c.area_match FROM complaint c "
            "JOIN opd ON opd.id = c.opd_id WHERE c.tracking_code = :t"),
            {"t": tracking_code}).one()


def test_create_returns_areas_opd_and_due_date(client, clean_complaints):
    response = file(client, lat=SUKARASA[0], lon=SUKARASA[1], accuracy_m=5,
                    location_source="gps")
    assert response.status_code == 201
    body = response.json
    assert body["tracking_code"].startswith(f"ADU-{datetime.now(WIB).year}-")
    assert body["kelurahan"] == {"code": "36.71.01.1001", "name": "Sukarasa"}
    assert body["kecamatan"] == {"code": "36.71.01", "name": "Tangerang"}
    assert body["opd"]["code"] == "DISHUB"
    assert body["due_at"] > body["received_at"]
    assert body["reporter_token"]
    assert body["status"] == "menunggu"


def test_tracking_codes_count_up(client, clean_complaints):
    first = file(client, lat=SUKARASA[0], lon=SUKARASA[1]).json["tracking_code"]
    second = file(client, lat=SUKARASA[0], lon=SUKARASA[1]).json["tracking_code"]
    assert first.endswith("-000001")
    assert second.endswith("-000002")


def test_routing_default_is_category_opd(client, engine, clean_complaints):
    code = file(client, category="jalan-rusak", lat=SUKARASA[0],
                lon=SUKARASA[1]).json["tracking_code"]
    opd, rule, _ = opd_of(engine, code)
    assert opd == "DPUPR"
    assert rule == "category_default"


def test_routing_to_kecamatan_office(client, engine, clean_complaints):
    code = file(client, category="saluran-tersumbat", lat=SUKARASA[0],
                lon=SUKARASA[1]).json["tracking_code"]
    opd, rule, _ = opd_of(engine, code)
    assert opd == "KEC-36.71.01"
    assert rule == "kecamatan_office"


def test_non_spatial_category_needs_no_location(client, engine, clean_complaints):
    response = file(client, category="adminduk",
                    description="KTP elektronik saya belum jadi sejak tiga bulan")
    assert response.status_code == 201
    assert response.json["lat"] is None
    assert response.json["kelurahan"] is None
    opd, rule, match = opd_of(engine, response.json["tracking_code"])
    assert opd == "DISDUKCAPIL"
    assert rule == "category_default"
    assert match is None


def test_spatial_category_rejects_missing_location(client, clean_complaints):
    response = file(client)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "location_required"
    assert response.json["error"]["field"] == "lat"


def test_outside_point_rejected_with_distance(client, clean_complaints):
    response = file(client, lat=-6.30, lon=106.63)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "outside_city"
    assert "km dari batas kota" in error["message"]
    assert 5000 < error["details"]["distance_m"] < 10000


def test_swapped_coordinates_hint(client, clean_complaints):
    response = file(client, lat=SUKARASA[1], lon=SUKARASA[0])
    assert response.status_code == 400
    error = response.json["error"]
    assert error["field"] == "lat"
    assert "tertukar" in error["message"]
    assert error["details"]["suggestion"]["kind"] == "swapped"


def test_missing_minus_sign_hint(client, clean_complaints):
    response = file(client, lat=6.17, lon=106.63)
    assert response.status_code == 422
    error = response.json["error"]
    assert "tanda minus" in error["message"]
    assert error["details"]["suggestion"] == {"kind": "sign", "lat": -6.17, "lon": 106.63}


def test_hint_in_english_on_request(client, clean_complaints):
    response = file(client, lat=6.17, lon=106.63, headers={"Accept-Language": "en"})
    assert "minus sign" in response.json["error"]["message"]


@pytest.mark.parametrize("fields, code, field", [
    ({"lat": "-6.17", "lon": 106.63}, "invalid_lat", "lat"),
    ({"lat": -6.17}, "incomplete_location", "lon"),
    ({"lat": True, "lon": 106.63}, "invalid_lat", "lat"),
    ({"lat": -95.0, "lon": 10.0}, "invalid_lat", "lat"),
    ({"lat": -6.17, "lon": 190.0}, "invalid_lon", "lon"),
    ({"category": "nope", "lat": -6.17, "lon": 106.63}, "unknown_category", "category"),
    ({"description": "abc", "lat": -6.17, "lon": 106.63}, "description_too_short",
     "description"),
    ({"description": "x" * 2001, "lat": -6.17, "lon": 106.63}, "description_too_long",
     "description"),
    ({"name": "Budi", "lat": -6.17, "lon": 106.63}, "consent_required", "consent"),
    ({"phone": "call me", "consent": True, "lat": -6.17, "lon": 106.63}, "invalid_phone",
     "phone"),
    ({"latitude": -6.17}, "unknown_field", "latitude"),
    ({"accuracy_m": -1, "lat": -6.17, "lon": 106.63}, "invalid_accuracy_m", "accuracy_m"),
    ({"location_source": "satellite", "lat": -6.17, "lon": 106.63},
     "invalid_location_source", "location_source"),
    ({"confidential": "yes", "lat": -6.17, "lon": 106.63}, "invalid_confidential",
     "confidential"),
])
def test_bad_fields_named_in_error(client, engine, clean_complaints, fields, code, field):
    response = file(client, **fields)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["field"] == field
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == 0


@pytest.mark.parametrize("raw", [b"{", b"[1, 2]", b"NaN", b'{"lat": NaN, "lon": 1}'])
def test_malformed_json_is_400(client, clean_complaints, raw):
    response = client.post("/api/complaints", data=raw,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


def test_form_body_is_415(client, clean_complaints):
    response = client.post("/api/complaints", data={"category": "pju"})
    assert response.status_code == 415


def test_contact_kept_private(client, engine, clean_complaints):
    response = file(client, lat=SUKARASA[0], lon=SUKARASA[1], name="Siti Aminah",
                    phone="0812-3456-7890", consent=True)
    assert response.status_code == 201
    public = json.dumps(response.json)
    assert "Siti" not in public
    assert "7890" not in public
    with engine.connect() as conn:
        phone = conn.execute(text("SELECT phone FROM complaint_contact")).scalar()
    assert phone == "081234567890"


def test_public_text_masks_nik_and_phone(client, clean_complaints):
    description = "NIK saya 3671012345678901, hubungi 0812 3456 7890 atau +62 813-1111-2222"
    code = file(client, lat=SUKARASA[0], lon=SUKARASA[1],
                description=description).json["tracking_code"]
    shown = client.get(f"/api/complaints/{code}").json["description"]
    assert "3671012345678901" not in shown
    assert "3456 7890" not in shown
    assert "1111-2222" not in shown
    assert shown.startswith("NIK saya ****************")


def test_confidential_withholds_description(client, clean_complaints):
    code = file(client, lat=SUKARASA[0], lon=SUKARASA[1], confidential=True,
                address_note="RT 01 RW 02 dekat musala").json["tracking_code"]
    shown = client.get(f"/api/complaints/{code}").json
    assert shown["description"] is None
    assert shown["address_note"] is None
    assert shown["confidential"] is True
    listed = client.get("/api/complaints").json["items"][0]
    assert listed["description"] is None


def test_private_category_is_confidential(client, clean_complaints):
    response = file(client, category="kesehatan",
                    description="Pelayanan puskesmas lambat, anak saya sakit")
    assert response.json["confidential"] is True
    assert response.json["description"] is None


def test_idempotency_key_replays_first_result(client, engine, clean_complaints):
    headers = {"Idempotency-Key": "2f6c7a1e-retry"}
    first = file(client, headers, lat=SUKARASA[0], lon=SUKARASA[1])
    second = file(client, headers, lat=SUKARASA[0], lon=SUKARASA[1])
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json["tracking_code"] == first.json["tracking_code"]
    assert second.json["reporter_token"] == first.json["reporter_token"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == 1


def test_idempotency_key_with_other_body(client, clean_complaints):
    headers = {"Idempotency-Key": "same-key"}
    file(client, headers, lat=SUKARASA[0], lon=SUKARASA[1])
    other = file(client, headers, lat=SUKARASA[0], lon=SUKARASA[1],
                 description="Sesuatu yang lain sama sekali")
    assert other.status_code == 422
    assert other.json["error"]["code"] == "idempotency_key_reused"


def test_idempotency_concurrent_requests(app, engine, clean_complaints):
    """Eight requests with one key at the same instant make one complaint."""
    import urllib.request

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/complaints"
    body = json.dumps({"category": "pju", "description": "Lampu mati di gang",
                       "lat": SUKARASA[0], "lon": SUKARASA[1]}).encode()
    barrier = threading.Barrier(8)
    results = []

    def post():
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Idempotency-Key": "burst-1"})
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            results.append((response.status, json.load(response)["tracking_code"]))

    workers = [threading.Thread(target=post) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    server.shutdown()

    assert sorted(status for status, _ in results) == [200] * 7 + [201]
    assert len({code for _, code in results}) == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == 1


def test_due_date_skips_lebaran(app, engine, clean_complaints):
    """A PJU complaint (3 working days) filed before Idul Fitri 2026 waits out the leave."""
    from app.intake import create_complaint
    from app.intake_request import parse_complaint_request

    city = app.extensions["aduan"].city
    received = datetime(2026, 3, 18, 9, 0, tzinfo=WIB)
    with app.extensions["aduan"].new_session() as session:
        created = create_complaint(
            session, city,
            parse_complaint_request({"category": "pju", "description": "Lampu mati total",
                                     "lat": SUKARASA[0], "lon": SUKARASA[1]}),
            received_at=received)
        session.commit()
        due = created.complaint.due_at.astimezone(WIB)
    calendar_days = (due.date() - received.date()).days
    assert calendar_days > 7
    assert due.hour == 23


def test_due_date_across_year_end(app, clean_complaints):
    from app.intake import create_complaint
    from app.intake_request import parse_complaint_request

    city = app.extensions["aduan"].city
    received = datetime(2025, 12, 30, 22, 0, tzinfo=WIB)
    with app.extensions["aduan"].new_session() as session:
        created = create_complaint(
            session, city,
            parse_complaint_request({"category": "pju", "description": "Lampu mati total",
                                     "lat": SUKARASA[0], "lon": SUKARASA[1]}),
            received_at=received)
        session.commit()
    assert created.complaint.tracking_code.startswith("ADU-2025-")
    due = created.complaint.due_at.astimezone(WIB).date()
    # 31 Dec 2025 is a working day, 1 Jan a holiday, 2 Jan a Friday, then Monday 5 Jan.
    assert due.isoformat() == "2026-01-05"


def test_list_filters_and_paging(client, clean_complaints):
    for _ in range(3):
        file(client, lat=SUKARASA[0], lon=SUKARASA[1])
    file(client, category="jalan-rusak", lat=-6.2, lon=106.6)
    page = client.get("/api/complaints?category=pju&page=1&page_size=2").json
    assert page["total"] == 3
    assert len(page["items"]) == 2
    assert page["page_size"] == 2
    assert client.get("/api/complaints?kelurahan=36.71.01.1001").json["total"] == 3
    assert client.get("/api/complaints?kecamatan=36.71.01").json["total"] == 3
    assert client.get("/api/complaints?opd=DPUPR").json["total"] == 1
    assert client.get("/api/complaints?bbox=106.62,-6.18,106.64,-6.16").json["total"] == 3
    assert client.get("/api/complaints?status=selesai").json["total"] == 0


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page_size=1000", "page_size"), ("status=done", "status"),
    ("category=PJU", "category"), ("opd=nope", "opd"), ("kecamatan=99", "kecamatan"),
    ("kelurahan=36.71.01", "kelurahan"),
    ("bbox=1,2,3", "bbox"), ("from=yesterday", "from"), ("from=2026-02-01&to=2026-01-01", "to"),
])
def test_list_rejects_bad_parameters(client, query, field):
    response = client.get(f"/api/complaints?{query}")
    assert response.status_code == 400
    assert response.json["error"]["field"] == field


def test_unknown_tracking_code_is_404(client):
    response = client.get("/api/complaints/ADU-2026-999999")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("raw", [b"[" * 5000 + b"]" * 5000, b'{"lat": Infinity}',
                                 b'{"lat": -Infinity, "lon": 1}'])
def test_hostile_json_is_400(client, clean_complaints, raw):
    response = client.post("/api/complaints", data=raw,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"


def test_error_replies_are_strict_json(client, clean_complaints):
    response = file(client, lat=1e400, lon=106.63)
    assert response.status_code == 400
    assert b"Infinity" not in response.data
    assert b"NaN" not in response.data
    json.loads(response.data, parse_constant=lambda name: pytest.fail(name))
