"""Shared helpers of the crew, auth and role tests: staff accounts, log-in, complaints.

This module contains no tests. The other test modules import its fixtures and helpers.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy import text

PASSWORD = "rahasia-petugas-2026"

# username -> (role, OPD code)
ACCOUNTS = {
    "crew-dpupr": ("crew", "DPUPR"),
    "crew2-dpupr": ("crew", "DPUPR"),
    "crew-dishub": ("crew", "DISHUB"),
    "opdadmin-dpupr": ("opd_admin", "DPUPR"),
    "opdadmin-dishub": ("opd_admin", "DISHUB"),
    "planner": ("planner", None),
    "admin": ("admin", None),
}

# A point in kelurahan Sukarasa, kecamatan Tangerang, well inside the city.
SUKARASA = (-6.17, 106.63)

_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def staff_accounts(app, loaded_city) -> dict[str, int]:
    """Create the ACCOUNTS once per test session; return their ids by username."""
    from app.admin.accounts import create_account
    from app.models import StaffUser

    services = app.extensions["aduan"]
    ids = {}
    with services.new_session() as session:
        for username, (role, opd) in ACCOUNTS.items():
            user_id = session.scalar(
                select(StaffUser.id).where(StaffUser.username == username)
            )
            if user_id is None:
                user_id = create_account(
                    session, services.city.code, username, role, PASSWORD, opd
                ).id
            ids[username] = user_id
        session.commit()
    return ids


def csrf_token(client) -> str:
    """Return the CSRF token of the client's session, read from the log-in form."""
    page = client.get("/petugas/masuk").get_data(as_text=True)
    return _CSRF_INPUT.search(page).group(1)


def login(client, username: str, password: str = PASSWORD):
    """Log the client in through the form; return the response of the POST."""
    from app.auth import login_throttle

    login_throttle.reset(username)
    return client.post(
        "/petugas/masuk",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(client),
        },
    )


def bearer(client, username: str) -> dict[str, str]:
    """Return an Authorization header with a fresh token for username."""
    response = client.post(
        "/api/auth/token", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['token']}"}


def opd_id(engine, code: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT id FROM opd WHERE code = :c"), {"c": code}
        ).scalar_one()


def file_complaint(
    app,
    lat: float,
    lon: float,
    *,
    opd: str = "DPUPR",
    category: str = "jalan-rusak",
    received_at: datetime | None = None,
    due_in: timedelta | None = None,
    status: str = "menunggu",
    phone: str | None = None,
) -> tuple[int, str]:
    """File a complaint through app.intake, then pin its OPD, due date and status.

    Returns (id, tracking_code).
    """
    from app.intake import create_complaint
    from app.intake import parse_complaint_request

    services = app.extensions["aduan"]
    body = {
        "category": category,
        "lat": lat,
        "lon": lon,
        "location_source": "gps",
        "description": "Jalan berlubang cukup dalam di depan rumah warga",
    }
    if phone:
        body.update(name="Warga Uji", phone=phone, consent=True)
    with services.new_session() as session:
        created = create_complaint(
            session,
            services.city,
            parse_complaint_request(body),
            received_at=received_at,
        )
        complaint = created.complaint
        complaint.opd_id = session.execute(
            text("SELECT id FROM opd WHERE code = :c"), {"c": opd}
        ).scalar_one()
        complaint.status = status
        if due_in is not None:
            complaint.due_at = datetime.now(timezone.utc) + due_in
        session.commit()
        return complaint.id, complaint.tracking_code


def jpeg_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    """Return a small valid JPEG photo."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def events_of(engine, complaint_id: int) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT kind, from_status, to_status, note, is_public, actor_user_id "
                "FROM complaint_event WHERE complaint_id = :i ORDER BY id"
            ),
            {"i": complaint_id},
        ).all()
