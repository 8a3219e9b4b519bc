"""The reporter confirms or reopens a finished complaint, by API and on the page."""

from __future__ import annotations

from sqlalchemy import text

from tests.test_citizen_helpers import complaint_row
from tests.test_citizen_helpers import csrf_from
from tests.test_citizen_helpers import file_complaint
from tests.test_citizen_helpers import move_status
from tests.test_citizen_helpers import scalar


def finished(app, client) -> dict:
    filed = file_complaint(client)
    move_status(app, filed["tracking_code"], "proses", "selesai")
    return filed


def post(client, filed, action, **body):
    body.setdefault("reporter_token", filed["reporter_token"])
    return client.post(f"/api/complaints/{filed['tracking_code']}/{action}", json=body)


def test_confirm_records_rating_and_event(app, client, engine, clean_complaints):
    filed = finished(app, client)
    response = post(client, filed, "confirm", rating=4)
    assert response.status_code == 200
    assert response.json["confirmed_at"] is not None
    assert response.json["rating"] == 4
    assert scalar(engine, "SELECT count(*) FROM complaint_event "
                  "WHERE kind = 'confirm' AND actor_kind = 'citizen'") == 1


def test_confirm_rejects_wrong_token(app, client, engine, clean_complaints):
    filed = finished(app, client)
    response = post(client, filed, "confirm", reporter_token="not-the-token")
    assert response.status_code == 403
    assert complaint_row(engine, filed["tracking_code"])["confirmed_at"] is None


def test_confirm_rejects_missing_token(app, client, clean_complaints):
    filed = finished(app, client)
    response = post(client, filed, "confirm", reporter_token=None)
    assert response.status_code == 403


def test_confirm_open_complaint_conflicts(client, clean_complaints):
    filed = file_complaint(client)
    response = post(client, filed, "confirm")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "not_finished"


def test_confirm_twice_conflicts(app, client, clean_complaints):
    filed = finished(app, client)
    post(client, filed, "confirm")
    response = post(client, filed, "confirm")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "already_confirmed"


def test_confirm_rejects_rating_out_of_range(app, client, clean_complaints):
    filed = finished(app, client)
    response = post(client, filed, "confirm", rating=7)
    assert response.status_code == 400
    assert response.json["error"]["field"] == "rating"


def test_reopen_returns_to_proses_same_opd(app, client, engine, clean_complaints):
    filed = finished(app, client)
    response = post(client, filed, "reopen", reason="Lubangnya masih ada", rating=1)
    assert response.status_code == 200
    assert response.json["status"] == "proses"
    assert response.json["opd"] == filed["opd"]
    row = complaint_row(engine, filed["tracking_code"])
    assert row["reopen_count"] == 1
    assert row["rating"] == 1
    assert row["finished_at"] is None


def test_reopen_recorded_in_history(app, client, engine, clean_complaints):
    filed = finished(app, client)
    post(client, filed, "reopen", reason="Lubangnya masih ada")
    with engine.connect() as conn:
        event = conn.execute(text(
            "SELECT kind, actor_kind, from_status, to_status, note "
            "FROM complaint_event ORDER BY id DESC LIMIT 1")).one()
    assert tuple(event) == (
        "reopen", "citizen", "selesai", "proses", "Lubangnya masih ada")


def test_reopen_requires_reason(app, client, clean_complaints):
    filed = finished(app, client)
    response = post(client, filed, "reopen", reason="  ")
    assert response.status_code == 400
    assert response.json["error"]["field"] == "reason"


def test_reopen_after_window_conflicts(app, client, engine, clean_complaints):
    filed = finished(app, client)
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE complaint SET finished_at = now() - interval '15 days'"))
    response = post(client, filed, "reopen", reason="Lubangnya masih ada")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "reopen_window_closed"
    assert "14 hari" in response.json["error"]["message"]


def test_reopen_after_confirm_conflicts(app, client, clean_complaints):
    filed = finished(app, client)
    post(client, filed, "confirm")
    response = post(client, filed, "reopen", reason="Lubangnya muncul lagi")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "already_confirmed"


def test_status_page_offers_feedback_to_reporter(app, client, clean_complaints):
    filed = finished(app, client)
    page = client.get(
        f"/lacak/{filed['tracking_code']}?token={filed['reporter_token']}")
    html = page.get_data(as_text=True)
    assert 'id="confirm-submit"' in html
    assert 'id="reopen-submit"' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_status_page_hides_feedback_from_others(app, client, clean_complaints):
    filed = finished(app, client)
    html = client.get(f"/lacak/{filed['tracking_code']}").get_data(as_text=True)
    assert 'id="confirm-submit"' not in html


def test_status_page_flags_wrong_token(app, client, clean_complaints):
    filed = finished(app, client)
    html = client.get(f"/lacak/{filed['tracking_code']}?token=salah").get_data(
        as_text=True)
    assert "tidak cocok" in html
    assert 'id="confirm-submit"' not in html


def test_confirm_form_redirects_to_status(app, client, engine, clean_complaints):
    filed = finished(app, client)
    page = f"/lacak/{filed['tracking_code']}?token={filed['reporter_token']}"
    response = client.post(f"/lacak/{filed['tracking_code']}/konfirmasi", data={
        "csrf_token": csrf_from(client, page), "token": filed["reporter_token"],
        "rating": "5"})
    assert response.status_code == 303
    assert "hasil=dikonfirmasi" in response.headers["Location"]
    assert complaint_row(engine, filed["tracking_code"])["rating"] == 5


def test_reopen_form_after_window_explains(app, client, engine, clean_complaints):
    filed = finished(app, client)
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE complaint SET finished_at = now() - interval '15 days'"))
    page = f"/lacak/{filed['tracking_code']}?token={filed['reporter_token']}"
    response = client.post(f"/lacak/{filed['tracking_code']}/buka-kembali", data={
        "csrf_token": csrf_from(client, page), "token": filed["reporter_token"],
        "reason": "Masih berlubang parah"})
    assert response.status_code == 409
    assert "14 hari" in response.get_data(as_text=True)


def test_reopen_form_error_shown_next_to_reason(app, client, clean_complaints):
    filed = finished(app, client)
    page = f"/lacak/{filed['tracking_code']}?token={filed['reporter_token']}"
    response = client.post(f"/lacak/{filed['tracking_code']}/buka-kembali", data={
        "csrf_token": csrf_from(client, page), "token": filed["reporter_token"],
        "reason": "<b>", "rating": "2"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="reopen-error">Tuliskan alasan' in html
    assert "&lt;b&gt;</textarea>" in html
    assert 'value="2" checked' in html
