"""Supporting an open complaint instead of filing a duplicate."""

from __future__ import annotations

from tests.test_citizen_helpers import complaint_row
from tests.test_citizen_helpers import csrf_from
from tests.test_citizen_helpers import file_complaint
from tests.test_citizen_helpers import move_status
from tests.test_citizen_helpers import scalar


def support(client, filed, **body):
    return client.post(f"/api/complaints/{filed['tracking_code']}/support", json=body)


def test_support_counts_and_records(client, engine, clean_complaints):
    filed = file_complaint(client)
    response = support(client, filed, name="Siti", phone="0812-3456-7890", consent=True)
    assert response.status_code == 201
    assert response.json["support_count"] == 1
    assert complaint_row(engine, filed["tracking_code"])["support_count"] == 1
    assert scalar(engine, "SELECT phone FROM complaint_supporter") == "081234567890"
    assert scalar(engine, "SELECT count(*) FROM complaint_event "
                  "WHERE kind = 'support' AND is_public") == 1


def test_support_without_contact_needs_no_consent(client, engine, clean_complaints):
    filed = file_complaint(client)
    assert support(client, filed).status_code == 201
    assert scalar(engine, "SELECT consent_at FROM complaint_supporter") is None


def test_support_contact_needs_consent(client, engine, clean_complaints):
    filed = file_complaint(client)
    response = support(client, filed, phone="081234567890")
    assert response.status_code == 400
    assert response.json["error"]["field"] == "consent"
    assert scalar(engine, "SELECT count(*) FROM complaint_supporter") == 0


def test_support_rejects_bad_phone(client, clean_complaints):
    filed = file_complaint(client)
    response = support(client, filed, phone="call me", consent=True)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_phone"


def test_support_twice_from_same_browser(client, engine, clean_complaints):
    filed = file_complaint(client)
    support(client, filed)
    again = support(client, filed)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_supported"
    assert complaint_row(engine, filed["tracking_code"])["support_count"] == 1


def test_support_finished_complaint_conflicts(app, client, clean_complaints):
    filed = file_complaint(client)
    move_status(app, filed["tracking_code"], "proses", "selesai")
    response = support(client, filed)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "complaint_closed"


def test_support_unknown_complaint(client, clean_complaints):
    response = client.post("/api/complaints/ADU-1999-000001/support", json={})
    assert response.status_code == 404


def test_support_form_keeps_name_on_error(client, engine, clean_complaints):
    filed = file_complaint(client)
    page = f"/lacak/{filed['tracking_code']}"
    response = client.post(f"{page}/dukung", data={
        "csrf_token": csrf_from(client, page), "name": "Siti"})
    assert response.status_code == 400
    assert "Centang persetujuan" in response.get_data(as_text=True)
    assert 'value="Siti"' in response.get_data(as_text=True)


def test_support_form_counts(client, engine, clean_complaints):
    filed = file_complaint(client)
    page = f"/lacak/{filed['tracking_code']}"
    response = client.post(f"{page}/dukung",
                           data={"csrf_token": csrf_from(client, page)})
    assert response.status_code == 303
    assert complaint_row(engine, filed["tracking_code"])["support_count"] == 1
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Seorang warga lain mendukung aduan ini" in html
