"""The citizen pages without JavaScript: filing form, status page, map and outlines."""

from __future__ import annotations

import io
import re
from zoneinfo import ZoneInfo

from sqlalchemy import text

from app.citizen.maps import js_safe_html
from tests.test_citizen_helpers import HOSTILE_TEXT
from tests.test_citizen_helpers import SUKARASA
from tests.test_citizen_helpers import attach_photo
from tests.test_citizen_helpers import complaint_row
from tests.test_citizen_helpers import csrf_from
from tests.test_citizen_helpers import file_complaint
from tests.test_citizen_helpers import jpeg_bytes
from tests.test_citizen_helpers import move_status
from tests.test_citizen_helpers import scalar

WIB = ZoneInfo("Asia/Jakarta")


def form_fields(client, **fields) -> dict:
    values = {
        "csrf_token": csrf_from(client, "/"),
        "category": "jalan-rusak",
        "description": "Jalan berlubang di depan pasar",
        "lat": str(SUKARASA[0]),
        "lon": str(SUKARASA[1]),
    }
    values.update(fields)
    return values


def test_filing_page_in_indonesian(client, loaded_city):
    html = client.get("/").get_data(as_text=True)
    assert "Kirim aduan" in html
    assert '<optgroup label="Layanan publik (tanpa peta)">' in html


def test_filing_page_in_english(client, loaded_city):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Send complaint" in html


def test_filing_page_marks_non_spatial_categories(client, loaded_city):
    html = client.get("/").get_data(as_text=True)
    option = re.search(r'<option value="adminduk"[^>]*>', html).group(0)
    assert 'data-location-required="false"' in option
    assert 'data-private="true"' in option


def test_filing_page_loads_no_external_asset(client, loaded_city):
    from app.assets import external_urls

    assert external_urls(client.get("/").get_data(as_text=True)) == []


def test_form_post_files_and_redirects(client, engine, clean_complaints):
    response = client.post("/", data=form_fields(client, address_note="RT 01/RW 02"))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.match(r"/lacak/ADU-\d{4}-\d{6}\?token=[\w-]+&baru=1$", location)
    assert scalar(engine, "SELECT channel FROM complaint") == "web"
    assert scalar(engine, "SELECT location_source FROM complaint") == "typed"


def test_form_post_accepts_decimal_comma(client, engine, clean_complaints):
    response = client.post("/", data=form_fields(client, lat="-6,17", lon="106,63"))
    assert response.status_code == 303


def test_form_post_attaches_photo(client, engine, clean_complaints):
    fields = form_fields(client)
    fields["photo"] = (io.BytesIO(jpeg_bytes()), "lubang.jpg")
    response = client.post("/", data=fields, content_type="multipart/form-data")
    assert response.status_code == 303
    assert scalar(engine, "SELECT count(*) FROM complaint_photo") == 1


def test_form_post_bad_photo_keeps_fields(client, engine, clean_complaints):
    fields = form_fields(client, description="Lubang <dalam> sekali")
    fields["photo"] = (io.BytesIO(b"%PDF-1.4 not a photo"), "surat.pdf")
    response = client.post("/", data=fields, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 415
    assert "bukan foto JPEG, PNG, atau WebP" in html
    assert "Lubang &lt;dalam&gt; sekali</textarea>" in html
    assert scalar(engine, "SELECT count(*) FROM complaint") == 0


def test_form_post_keeps_good_photo_on_error(client, engine, clean_complaints):
    fields = form_fields(client, description="abc")
    fields["photo"] = (io.BytesIO(jpeg_bytes()), "lubang.jpg")
    html = client.post("/", data=fields, content_type="multipart/form-data").get_data(
        as_text=True)
    kept = re.search(r'name="photo_upload" id="photo_upload" value="([^"]+)"', html)
    assert kept is not None
    response = client.post("/", data=form_fields(client, photo_upload=kept.group(1)))
    assert response.status_code == 303
    assert scalar(engine, "SELECT count(*) FROM complaint_photo") == 1


def test_form_post_swapped_coordinates(client, clean_complaints):
    response = client.post("/", data=form_fields(
        client, lat=str(SUKARASA[1]), lon=str(SUKARASA[0])))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    location_error = re.search(r'id="location-error-text">([^<]*)<', html).group(1)
    assert "tertukar" in location_error
    assert f'data-lat="{SUKARASA[0]}"' in html


def test_form_post_missing_description(client, clean_complaints):
    response = client.post("/", data=form_fields(client, description=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="description-error">[^<]+<', html)
    assert re.search(r'value="jalan-rusak"[^>]*selected', html)


def test_form_post_outside_city(client, clean_complaints):
    response = client.post("/", data=form_fields(client, lat="-6.30", lon="106.63"))
    assert response.status_code == 422
    assert "di luar Kota Tangerang" in response.get_data(as_text=True)


def test_form_post_text_coordinate(client, clean_complaints):
    response = client.post("/", data=form_fields(client, lat="utara pasar"))
    assert response.status_code == 400
    assert re.search(r'id="location-error-text">[^<]*utara pasar',
                     response.get_data(as_text=True))


def test_status_page_times_in_wib(client, engine, clean_complaints):
    filed = file_complaint(client)
    received = complaint_row(engine, filed["tracking_code"])["received_at"]
    html = client.get(f"/lacak/{filed['tracking_code']}").get_data(as_text=True)
    assert received.astimezone(WIB).strftime("%H.%M") + " WIB" in html


def test_status_page_shows_opd_and_due(client, clean_complaints):
    filed = file_complaint(client)
    html = client.get(f"/lacak/{filed['tracking_code']}").get_data(as_text=True)
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in html
    assert "Batas waktu" in html


def test_status_page_hides_staff_and_personal_data(app, client, clean_complaints):
    filed = file_complaint(client, name="Ani Reporter", phone="081299998888",
                           consent=True)
    move_status(app, filed["tracking_code"], "proses", label="Pak Joko Petugas")
    with app.app_context():
        from app.status import Actor
        from app.status import add_note

        session = app.extensions["aduan"].new_session()
        complaint_id = session.execute(text("SELECT id FROM complaint")).scalar_one()
        add_note(session, complaint_id, actor=Actor("staff", label="Pak Joko Petugas"),
                 note="Tambal sementara, hubungi 081234567890")
        session.commit()
        session.close()
    html = client.get(f"/lacak/{filed['tracking_code']}").get_data(as_text=True)
    assert "Joko" not in html
    assert "Ani Reporter" not in html
    assert "081234567890" not in html
    assert "Tambal sementara" in html


def test_status_page_shows_result_photo(app, client, engine, clean_complaints):
    filed = file_complaint(client)
    name = attach_photo(client, filed)
    with engine.begin() as conn:
        conn.execute(text("UPDATE complaint_photo SET kind = 'result'"))
    html = client.get(f"/lacak/{filed['tracking_code']}").get_data(as_text=True)
    assert f'src="/foto/{name}"' in html
    assert "Foto hasil" in html


def test_status_page_confidential_hides_text_and_photo(client, clean_complaints):
    filed = file_complaint(client, confidential=True, description="Rumah nomor 12")
    name = attach_photo(client, filed)
    html = client.get(f"/lacak/{filed['tracking_code']}").get_data(as_text=True)
    assert "Rumah nomor 12" not in html
    assert name not in html


def test_status_page_escapes_description(client, clean_complaints):
    filed = file_complaint(client, description=HOSTILE_TEXT)
    html = client.get(f"/lacak/{filed['tracking_code']}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html


def test_status_page_unknown_code(client, clean_complaints):
    response = client.get("/lacak/ADU-1999-000001", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "tidak ditemukan" in response.get_data(as_text=True)


def test_track_form_redirects_to_status(client, clean_complaints):
    filed = file_complaint(client)
    code = filed["tracking_code"].lower()
    response = client.get(f"/lacak?kode=%20{code}%20")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/lacak/{filed['tracking_code']}"


def test_track_form_unknown_code(client, clean_complaints):
    response = client.get("/lacak?kode=ADU-1999-000001")
    assert response.status_code == 404
    assert 'id="kode-error">' in response.get_data(as_text=True)


def test_public_map_escapes_popup_for_script(client, clean_complaints):
    file_complaint(client, description=HOSTILE_TEXT)
    html = client.get("/peta").get_data(as_text=True)
    script = html[html.index("L.map("):]
    assert "</script><script>alert(1)" not in script
    assert "${alert(2)}" not in script
    assert "&#36;{alert(2)}" in script


def test_public_map_hides_confidential_description(client, clean_complaints):
    file_complaint(client, confidential=True, description="Rumah nomor 12")
    html = client.get("/peta").get_data(as_text=True)
    assert "Rumah nomor 12" not in html


def test_public_map_filters_by_status(app, client, clean_complaints):
    open_one = file_complaint(client)
    done = file_complaint(client)
    move_status(app, done["tracking_code"], "proses", "selesai")
    html = client.get("/peta?status=selesai").get_data(as_text=True)
    assert done["tracking_code"] in html
    assert open_one["tracking_code"] not in html


def test_public_map_leaves_out_old_finished(app, client, engine, clean_complaints):
    done = file_complaint(client)
    move_status(app, done["tracking_code"], "proses", "selesai")
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE complaint SET finished_at = now() - interval '40 days'"))
    assert done["tracking_code"] not in client.get("/peta").get_data(as_text=True)


def test_public_map_bad_filter_shown(client, clean_complaints):
    response = client.get("/peta?status=hilang")
    assert response.status_code == 200
    assert 'id="status-error"' in response.get_data(as_text=True)


def test_outlines_geojson_cached(client, loaded_city):
    response = client.get("/peta/wilayah.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert len(response.json["features"]) == 1 + 13 + 104
    again = client.get("/peta/wilayah.geojson",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_js_safe_html_leaves_no_script_syntax():
    escaped = js_safe_html(HOSTILE_TEXT)
    for character in ("<", "`", "$", "\\"):
        assert character not in escaped


def test_nav_links_point_to_citizen_pages(client, loaded_city):
    html = client.get("/").get_data(as_text=True)
    for label in ("Laporkan masalah", "Peta aduan", "Lacak aduan"):
        assert label in html

