"""Photo upload before filing, attaching it with the reporter token, and serving it."""

from __future__ import annotations

from app.citizen.uploads import STORED_NAME
from tests.test_citizen_helpers import attach_photo
from tests.test_citizen_helpers import file_complaint
from tests.test_citizen_helpers import jpeg_bytes
from tests.test_citizen_helpers import scalar
from tests.test_citizen_helpers import upload_photo

EIGHT_MB = 8 * 1024 * 1024


def upload_dir(app):
    return app.extensions["aduan"].settings.upload_dir


def test_upload_stores_reencoded_jpeg(app, client, clean_complaints):
    response = upload_photo(client, jpeg_bytes(3000, 2000))
    assert response.status_code == 201
    assert STORED_NAME.match(response.json["photo"])
    assert max(response.json["width"], response.json["height"]) == 1600
    assert (upload_dir(app) / response.json["photo"]).is_file()


def test_upload_rejects_text_file_with_field(client, clean_complaints):
    response = upload_photo(client, b"<html><script>alert(1)</script></html>")
    assert response.status_code == 415
    error = response.json["error"]
    assert error["code"] == "photo_unsupported_type"
    assert error["field"] == "photo"
    assert "JPEG, PNG, atau WebP" in error["message"]


def test_upload_rejects_oversized_file(client, clean_complaints):
    response = upload_photo(client, b"\xff" * (EIGHT_MB + 1))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "photo_too_large"
    assert "8 MB" in response.json["error"]["message"]


def test_upload_without_file_field(client, clean_complaints):
    response = client.post("/api/photos", data={})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "missing_photo"


def test_attach_needs_reporter_token(client, engine, clean_complaints):
    filed = file_complaint(client)
    name = upload_photo(client).json["photo"]
    response = client.post(f"/api/complaints/{filed['tracking_code']}/photos",
                           json={"reporter_token": "wrong", "photo": name})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "invalid_reporter_token"
    assert scalar(engine, "SELECT count(*) FROM complaint_photo") == 0


def test_attach_writes_photo_and_event(client, engine, clean_complaints):
    filed = file_complaint(client)
    attach_photo(client, filed)
    assert scalar(engine, "SELECT kind FROM complaint_photo") == "report"
    assert scalar(engine, "SELECT count(*) FROM complaint_event "
                  "WHERE kind = 'photo' AND actor_kind = 'citizen'") == 1


def test_attach_same_photo_twice_conflicts(client, clean_complaints):
    filed = file_complaint(client)
    name = attach_photo(client, filed)
    again = client.post(f"/api/complaints/{filed['tracking_code']}/photos",
                        json={"reporter_token": filed["reporter_token"], "photo": name})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "photo_already_attached"


def test_attach_rejects_path_as_name(client, clean_complaints):
    filed = file_complaint(client)
    response = client.post(f"/api/complaints/{filed['tracking_code']}/photos", json={
        "reporter_token": filed["reporter_token"], "photo": "../secret_key"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_photo"


def test_attach_limit_of_three(client, clean_complaints):
    filed = file_complaint(client)
    for _ in range(3):
        attach_photo(client, filed)
    name = upload_photo(client).json["photo"]
    response = client.post(
        f"/api/complaints/{filed['tracking_code']}/photos",
        json={"reporter_token": filed["reporter_token"], "photo": name})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "too_many_photos"


def test_photo_view_sends_attached_photo(client, clean_complaints):
    filed = file_complaint(client)
    name = attach_photo(client, filed)
    response = client.get(f"/foto/{name}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_photo_view_hides_unattached_upload(client, clean_complaints):
    name = upload_photo(client).json["photo"]
    assert client.get(f"/foto/{name}").status_code == 404


def test_photo_view_hides_confidential(client, clean_complaints):
    filed = file_complaint(client, confidential=True)
    name = attach_photo(client, filed)
    assert client.get(f"/foto/{name}").status_code == 404


def test_photo_view_rejects_other_names(client, clean_complaints):
    assert client.get("/foto/secret_key").status_code == 404
    assert client.get("/foto/..%2Fsecret_key").status_code == 404
