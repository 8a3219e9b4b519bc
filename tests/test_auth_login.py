"""Staff log-in: sessions, CSRF, bearer tokens, throttling and password changes."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from tests.test_crew_support import PASSWORD
from tests.test_crew_support import csrf_token
from tests.test_crew_support import login
from tests.test_crew_support import staff_accounts  # noqa: F401 - fixture


@pytest.fixture
def accounts(staff_accounts):  # noqa: F811
    return staff_accounts


def test_login_redirects_crew_to_tasks(client, accounts):
    response = login(client, "crew-dpupr")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/petugas/tugas")


def test_login_follows_local_next(client, accounts):
    response = client.post(
        "/petugas/masuk",
        data={
            "username": "crew-dpupr",
            "password": PASSWORD,
            "next": "/petugas/rute?lat=1",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"].endswith("/petugas/rute?lat=1")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"]
)
def test_login_ignores_foreign_next(client, accounts, target):
    response = client.post(
        "/petugas/masuk",
        data={
            "username": "crew-dpupr",
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"].endswith("/petugas/tugas")


def test_login_username_is_case_insensitive(client, accounts):
    assert login(client, "Crew-DPUPR").status_code == 302


def test_login_wrong_password_shows_form_again(client, accounts):
    response = login(client, "crew-dpupr", "salah-sekali-123")
    assert response.status_code == 200
    assert "salah" in response.get_data(as_text=True)
    assert client.get("/petugas/tugas").status_code == 302


def test_login_without_csrf_token_is_rejected(client, accounts):
    response = client.post(
        "/petugas/masuk", data={"username": "crew-dpupr", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/petugas/tugas").status_code == 302


def test_anonymous_page_redirects_to_login_with_next(client):
    response = client.get("/petugas/tugas?lat=-6.17&lon=106.63")
    assert response.status_code == 302
    assert "/petugas/masuk?next=" in response.headers["Location"]


def test_logout_ends_session(client, accounts):
    login(client, "crew-dpupr")
    response = client.post("/petugas/keluar", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert client.get("/petugas/tugas").status_code == 302


def test_logout_needs_csrf(client, accounts):
    login(client, "crew-dpupr")
    assert client.post("/petugas/keluar").status_code == 400
    assert client.get("/petugas/tugas").status_code == 200


def test_page_post_without_csrf_is_rejected(client, accounts):
    login(client, "crew-dpupr")
    response = client.post("/petugas/tugas/ADU-2000-000001/ambil")
    assert response.status_code == 400
    assert "Muat ulang" in response.get_data(as_text=True)


def test_password_change_ends_old_sessions(app, client, accounts):
    from app.admin.accounts import find_account
    from app.admin.accounts import set_password

    login(client, "crew2-dpupr")
    services = app.extensions["aduan"]
    with services.new_session() as session:
        set_password(session, find_account(session, "crew2-dpupr"), PASSWORD + "x")
        session.commit()
    try:
        assert client.get("/petugas/tugas").status_code == 302
    finally:
        with services.new_session() as session:
            set_password(session, find_account(session, "crew2-dpupr"), PASSWORD)
            session.commit()


def test_deactivated_user_cannot_log_in(app, client, accounts):
    from app.admin.accounts import find_account
    from app.admin.accounts import set_active

    services = app.extensions["aduan"]
    with services.new_session() as session:
        set_active(session, find_account(session, "crew2-dpupr"), False)
        session.commit()
    try:
        response = login(client, "crew2-dpupr")
        token = client.post(
            "/api/auth/token", json={"username": "crew2-dpupr", "password": PASSWORD}
        )
    finally:
        with services.new_session() as session:
            set_active(session, find_account(session, "crew2-dpupr"), True)
            session.commit()
    assert response.status_code == 200
    assert token.status_code == 401


def test_token_issue_and_use(client, accounts):
    response = client.post(
        "/api/auth/token", json={"username": "crew-dpupr", "password": PASSWORD}
    )
    assert response.status_code == 201
    assert response.json["token_type"] == "Bearer"
    assert response.json["user"] == {
        "username": "crew-dpupr",
        "role": "crew",
        "opd": "DPUPR",
    }
    headers = {"Authorization": f"Bearer {response.json['token']}"}
    tasks = client.get("/api/crew/tasks?lat=-6.17&lon=106.63", headers=headers)
    assert tasks.status_code == 200


def test_token_is_stored_only_as_hash(client, engine, accounts):
    token = client.post(
        "/api/auth/token", json={"username": "crew-dpupr", "password": PASSWORD}
    ).json["token"]
    with engine.connect() as conn:
        hashes = conn.execute(text("SELECT token_hash FROM api_token")).scalars().all()
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    assert token not in hashes


def test_token_wrong_password_is_401(client, accounts):
    response = client.post(
        "/api/auth/token", json={"username": "crew-dpupr", "password": "bukan-ini-123"}
    )
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_credentials"


def test_token_unknown_user_same_as_wrong_password(client, accounts):
    unknown = client.post(
        "/api/auth/token", json={"username": "tidak-ada", "password": "bukan-ini-123"}
    )
    wrong = client.post(
        "/api/auth/token", json={"username": "crew-dpupr", "password": "bukan-ini-123"}
    )
    assert unknown.json == wrong.json


@pytest.mark.parametrize(
    "body", [None, [], {"username": "crew-dpupr"}, {"username": 5, "password": "x"}]
)
def test_token_rejects_bad_body(client, body):
    response = client.post("/api/auth/token", json=body)
    assert response.status_code == 400


def test_token_revoke(client, accounts):
    token = client.post(
        "/api/auth/token", json={"username": "crew-dpupr", "password": PASSWORD}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/auth/token", headers=headers).status_code == 204
    after = client.get("/api/crew/tasks?lat=-6.17&lon=106.63", headers=headers)
    assert after.status_code == 401
    assert after.json["error"]["code"] == "invalid_token"


def test_api_without_token_is_401(client):
    response = client.get("/api/crew/tasks?lat=-6.17&lon=106.63")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "login_required"


def test_api_session_read_is_allowed(client, accounts):
    login(client, "crew-dpupr")
    assert client.get("/api/crew/tasks?lat=-6.17&lon=106.63").status_code == 200


def test_api_session_write_needs_csrf_header(client, accounts):
    login(client, "crew-dpupr")
    without = client.post("/api/crew/tasks/ADU-2000-000001/take")
    with_header = client.post(
        "/api/crew/tasks/ADU-2000-000001/take",
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert without.status_code == 400
    assert without.json["error"]["code"] == "csrf_failed"
    assert with_header.status_code == 404


def test_bearer_token_does_not_open_pages(client, accounts):
    token = client.post(
        "/api/auth/token", json={"username": "crew-dpupr", "password": PASSWORD}
    ).json["token"]
    response = client.get(
        "/petugas/tugas", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 302


def test_failed_logins_are_throttled(client, accounts):
    from app.auth import MAX_FAILED_LOGINS
    from app.auth import login_throttle

    login_throttle.reset("opdadmin-dishub")
    for _ in range(MAX_FAILED_LOGINS):
        client.post(
            "/api/auth/token",
            json={"username": "opdadmin-dishub", "password": "salah-123456"},
        )
    blocked = client.post(
        "/api/auth/token", json={"username": "opdadmin-dishub", "password": PASSWORD}
    )
    login_throttle.reset("opdadmin-dishub")
    assert blocked.status_code == 429
    assert blocked.json["error"]["code"] == "too_many_failed_logins"


def test_role_required_rejects_unknown_role():
    from app.auth import role_required

    with pytest.raises(ValueError, match="superuser"):
        role_required("superuser")
