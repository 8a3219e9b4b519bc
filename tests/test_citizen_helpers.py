"""Shared helpers of the citizen tests: filing through the API, status changes, photos.

This module contains no tests; the citizen test modules import from it.
"""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import text

from app.status import Actor
from app.status import change_status

# Inside kelurahan Sukarasa (36.71.01.1001), kecamatan Tangerang (36.71.01).
SUKARASA = (-6.17, 106.63)
HOSTILE_TEXT = "</script><script>alert(1)</script> ${alert(2)} ` \\ <b>x</b>"


def file_complaint(client, **fields) -> dict:
    """File a complaint through POST /api/complaints and return the 201 body."""
    body = {
        "category": "jalan-rusak",
        "description": "Jalan berlubang besar di depan sekolah",
        "lat": SUKARASA[0],
        "lon": SUKARASA[1],
        "location_source": "map_pin",
    }
    body.update(fields)
    body = {key: value for key, value in body.items() if value is not None}
    response = client.post("/api/complaints", json=body)
    assert response.status_code == 201, response.json
    return response.json


def move_status(app, tracking_code: str, *statuses: str, note: str | None = None,
                label: str | None = None) -> None:
    """Move a complaint through statuses as a staff member would."""
    services = app.extensions["aduan"]
    with app.app_context():
        session = services.new_session()
        try:
            complaint_id = session.execute(
                text("SELECT id FROM complaint WHERE tracking_code = :code"),
                {"code": tracking_code},
            ).scalar_one()
            for status in statuses:
                change_status(session, complaint_id, status,
                              actor=Actor("staff", label=label), note=note)
            session.commit()
        finally:
            session.close()


def jpeg_bytes(width: int = 64, height: int = 48, color=(200, 30, 30)) -> bytes:
    """A small valid JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG")
    return buffer.getvalue()


def upload_photo(client, data: bytes | None = None):
    """POST a photo to /api/photos and return the response."""
    payload = jpeg_bytes() if data is None else data
    return client.post("/api/photos", data={"photo": (io.BytesIO(payload), "foto.jpg")})


def attach_photo(client, filed: dict, data: bytes | None = None) -> str:
    """Upload a photo and attach it to a filed complaint; return its stored name."""
    name = upload_photo(client, data).json["photo"]
    response = client.post(
        f"/api/complaints/{filed['tracking_code']}/photos",
        json={"reporter_token": filed["reporter_token"], "photo": name},
    )
    assert response.status_code == 201, response.json
    return name


_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client, path: str) -> str:
    """GET a page and return the CSRF token of its first form.

    Returns an empty string when the application has no CSRF protection set up.
    """
    html = client.get(path).get_data(as_text=True)
    match = _CSRF_INPUT.search(html)
    return match.group(1) if match else ""


def complaint_row(engine, tracking_code: str):
    """The complaint's row as a mapping, read outside the app."""
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT * FROM complaint WHERE tracking_code = :code"),
            {"code": tracking_code},
        ).mappings().one()


def scalar(engine, sql: str, **params):
    """Run one SQL statement and return its single value."""
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()
