"""The citizen API: photo upload, nearby complaints, support, confirm, reopen,
attaching photos and answering the border question."""

from __future__ import annotations

import logging

from flask import jsonify
from flask import request

from app.api.complaints import json_body
from app.api.openapi import document
from app.api.openapi import error_responses
from app.citizen import bp
from app.citizen.border import resolve_area
from app.citizen.feedback import confirm_fixed
from app.citizen.feedback import parse_rating
from app.citizen.feedback import reopen_complaint
from app.citizen.nearby import nearby_complaints
from app.citizen.reporter import check_reporter_token
from app.citizen.settings import reopen_days
from app.citizen.support import check_not_supported_yet
from app.citizen.support import parse_supporter
from app.citizen.support import remember_supported
from app.citizen.support import support_complaint
from app.citizen.uploads import accept_upload
from app.citizen.uploads import attach_report_photo
from app.complaint_public import public_complaint
from app.coordinates import parse_coordinate
from app.coordinates import parse_optional_number
from app.errors import ApiError
from app.errors import NotFound
from app.i18n import current_language
from app.models import Complaint
from app.queries.complaints import find_by_tracking_code
from app.services import db_session
from app.services import services
from app.status import lock_complaint

log = logging.getLogger(__name__)


@bp.post("/api/photos")
def upload_photo():
    """Check, re-encode and store a photo before the complaint is filed."""
    upload = request.files.get("photo")
    if upload is None:
        raise ApiError(400, "missing_photo",
                       "Kirim foto sebagai berkas multipart dengan nama kolom photo.",
                       "Send the photo as a multipart file in the field named photo.",
                       field="photo")
    settings = services().settings
    stored = accept_upload(upload.read(), settings.upload_dir, settings.photo_max_bytes)
    return jsonify({"photo": stored.name, "width": stored.width,
                    "height": stored.height, "byte_size": stored.byte_size}), 201


@bp.get("/api/nearby")
def nearby():
    """List open complaints of a category near a point, to support one of them."""
    lat = parse_coordinate("lat", request.args.get("lat"))
    lon = parse_coordinate("lon", request.args.get("lon"))
    accuracy = parse_optional_number("accuracy_m", request.args.get("accuracy_m"),
                                     0, 10_000, 0)
    category = (request.args.get("category") or "").strip()
    if not category:
        raise ApiError(400, "missing_category",
                       "Parameter category wajib diisi, misalnya category=jalan-rusak.",
                       "The category parameter is required, e.g. category=jalan-rusak.",
                       field="category")
    body = nearby_complaints(db_session().connection(), services().city, category,
                             lat, lon, accuracy, current_language())
    return jsonify(body)


@bp.post("/api/complaints/<code>/support")
def support(code: str):
    """Count the caller as a supporter of an open complaint."""
    complaint = _find(code)
    contact = parse_supporter(_object_body())
    check_not_supported_yet(complaint.id, complaint.tracking_code)
    session = db_session()
    count = support_complaint(session, complaint.id, contact)
    session.commit()
    remember_supported(complaint.id)
    body = {"tracking_code": complaint.tracking_code, "support_count": count}
    return jsonify(body), 201


@bp.post("/api/complaints/<code>/confirm")
def confirm(code: str):
    """Record the reporter's confirmation of a selesai complaint, with a rating."""
    complaint = _find(code)
    body = _object_body()
    session = db_session()
    confirm_fixed(session, complaint.id, token=body.get("reporter_token"),
                  rating=parse_rating(body.get("rating")))
    session.commit()
    return _public_reply(complaint)


@bp.post("/api/complaints/<code>/reopen")
def reopen(code: str):
    """Reopen a selesai complaint for its reporter within the reopen window."""
    complaint = _find(code)
    body = _object_body()
    session = db_session()
    reopen_complaint(
        session, complaint.id, token=body.get("reporter_token"),
        reason=body.get("reason"), rating=parse_rating(body.get("rating")),
        window_days=reopen_days(),
    )
    session.commit()
    return _public_reply(complaint)


@bp.post("/api/complaints/<code>/photos")
def attach_photo(code: str):
    """Attach a photo uploaded to /api/photos, for the reporter."""
    complaint = _find(code)
    body = _object_body()
    session = db_session()
    locked = lock_complaint(session, complaint.id)
    check_reporter_token(locked, body.get("reporter_token"))
    photo = attach_report_photo(session, locked, body.get("photo"),
                                services().settings.upload_dir)
    session.commit()
    return jsonify({"tracking_code": locked.tracking_code, "photo": photo.stored_name,
                    "kind": photo.kind}), 201


@bp.post("/api/complaints/<code>/area")
def answer_border(code: str):
    """Record in which kelurahan near the border the reporter places the problem."""
    complaint = _find(code)
    body = _object_body()
    session = db_session()
    resolve_area(session, complaint.id, token=body.get("reporter_token"),
                 area_code=body.get("area_code"))
    session.commit()
    return _public_reply(complaint)


def _find(code: str) -> Complaint:
    complaint = find_by_tracking_code(db_session(), services().city.code, code[:40])
    if complaint is None:
        raise NotFound("Aduan", "Complaint", code[:40])
    return complaint


def _object_body() -> dict:
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Isi permintaan harus objek JSON.",
                       "The request body must be a JSON object.")
    return body


def _public_reply(complaint: Complaint):
    session = db_session()
    session.refresh(complaint)
    return jsonify(public_complaint(complaint, current_language(), services().city))


_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
_TOKEN = {"reporter_token": {"type": "string",
                             "description": "Returned once by POST /api/complaints"}}


def _post(summary: str, properties: dict | None, statuses: tuple, ok: str = "200"):
    operation = {
        "summary": summary,
        "responses": {ok: {"description": "Done"}, **error_responses(*statuses)},
    }
    if properties is not None:
        operation["parameters"] = [_CODE]
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"type": "object", "properties": properties}}}}
    return {"post": operation}


document("/api/photos", {"post": {
    "summary": "Upload a photo (JPEG, PNG or WebP) before filing; returns its name",
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"photo": {"type": "string",
                                                   "format": "binary"}}}}}},
    "responses": {"201": {"description": "Stored; attach it with "
                          "POST /api/complaints/{code}/photos"},
                  **error_responses(400, 413, 415, 422)},
}})
document("/api/nearby", {"get": {
    "summary": "Open complaints of a category within 50 m (plus the GPS uncertainty)",
    "parameters": [
        {"name": "lat", "in": "query", "required": True, "schema": {"type": "number"}},
        {"name": "lon", "in": "query", "required": True, "schema": {"type": "number"}},
        {"name": "category", "in": "query", "required": True,
         "schema": {"type": "string"}},
        {"name": "accuracy_m", "in": "query", "required": False,
         "schema": {"type": "number", "minimum": 0}},
    ],
    "responses": {"200": {"description": "radius_m and items, nearest first"},
                  **error_responses(400)},
}})
document("/api/complaints/{code}/support", _post(
    "Support an open complaint instead of filing a duplicate",
    {"name": {"type": "string"}, "phone": {"type": "string"},
     "email": {"type": "string"}, "consent": {"type": "boolean"}},
    (400, 404, 409), ok="201"))
document("/api/complaints/{code}/confirm", _post(
    "The reporter confirms that a selesai complaint is fixed",
    {**_TOKEN, "rating": {"type": "integer", "minimum": 1, "maximum": 5}},
    (400, 403, 404, 409)))
document("/api/complaints/{code}/reopen", _post(
    "The reporter reopens a selesai complaint within the reopen window",
    {**_TOKEN, "reason": {"type": "string"},
     "rating": {"type": "integer", "minimum": 1, "maximum": 5}},
    (400, 403, 404, 409)))
document("/api/complaints/{code}/photos", _post(
    "The reporter attaches an uploaded photo", {**_TOKEN, "photo": {"type": "string"}},
    (400, 403, 404, 409), ok="201"))
document("/api/complaints/{code}/area", _post(
    "The reporter picks the kelurahan of a point near a border",
    {**_TOKEN, "area_code": {"type": "string"}}, (400, 403, 404, 409)))
