"""The public complaint API: file a complaint, read one, list them."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import jsonify
from flask import request
from werkzeug.exceptions import BadRequest

from app.api.openapi import document
from app.api.openapi import error_responses
from app.complaint_filters import PAGE_SIZE_MAX
from app.complaint_filters import parse_filters
from app.complaint_filters import parse_paging
from app.complaint_public import public_complaint
from app.errors import ApiError
from app.errors import NotFound
from app.i18n import current_language
from app.intake import create_complaint
from app.intake_request import parse_complaint_request
from app.queries.complaints import find_by_tracking_code
from app.queries.complaints import find_page
from app.queries.complaints import find_unknown_filter
from app.services import db_session
from app.services import services

log = logging.getLogger(__name__)

bp = Blueprint("complaints_api", __name__)


def json_body() -> object:
    """Return the request's JSON body, or raise an ApiError that names its fault."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type",
                       "Kirim isi permintaan sebagai JSON (Content-Type: application/json).",
                       "Send the body as JSON (Content-Type: application/json).")
    try:
        return request.get_json()
    except BadRequest:
        raise ApiError(400, "invalid_json", "Isi permintaan bukan JSON yang valid.",
                       "The request body is not valid JSON.") from None


@bp.post("/api/complaints")
def create():
    """File a complaint; a repeated Idempotency-Key returns the first result."""
    complaint_request = parse_complaint_request(json_body())
    city = services().city
    session = db_session()
    key = request.headers.get("Idempotency-Key")
    created = create_complaint(session, city, complaint_request, channel="api",
                               idempotency_key=key)
    session.commit()
    body = public_complaint(created.complaint, current_language(), city)
    if created.reporter_token:
        body["reporter_token"] = created.reporter_token
    response = jsonify(body)
    response.status_code = 200 if created.replayed else 201
    response.headers["Location"] = f"/api/complaints/{created.complaint.tracking_code}"
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/api/complaints/<code>")
def read(code: str):
    """Return one complaint's public fields."""
    city = services().city
    complaint = find_by_tracking_code(db_session(), city.code, code)
    if complaint is None:
        raise NotFound("Aduan", "Complaint", code[:40])
    return jsonify(public_complaint(complaint, current_language(), city))


@bp.get("/api/complaints")
def index():
    """Public complaints matching the filters, newest first, one page at a time."""
    city = services().city
    filters = parse_filters(request.args, city.timezone)
    page, page_size = parse_paging(request.args)
    unknown = find_unknown_filter(db_session(), city.code, filters)
    if unknown is not None:
        parameter, value = unknown
        raise ApiError(400, f"unknown_{parameter}",
                       f"Kode {parameter} {value!r} tidak dikenal di {city.name}.",
                       f"Unknown {parameter} code {value!r} in {city.name}.",
                       field=parameter, value=value)
    items, total = find_page(db_session(), city.code, filters, page, page_size)
    language = current_language()
    return jsonify({
        "items": [public_complaint(item, language, city) for item in items],
        "total": total,
        "page": page,
        "page_size": page_size,
    })


FILTER_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": {"type": "string"},
     "description": description}
    for name, description in (
        ("category", "Category code, e.g. pju"),
        ("status", "Status, or several separated by commas: menunggu, proses, selesai, "
                   "ditolak"),
        ("opd", "OPD code, e.g. DISHUB"),
        ("kecamatan", "Kecamatan code, e.g. 36.71.01"),
        ("kelurahan", "Kelurahan code, e.g. 36.71.01.1001"),
        ("bbox", "west,south,east,north in degrees (EPSG:4326)"),
        ("from", "Received on or after this date (YYYY-MM-DD, city time) or ISO time"),
        ("to", "Received on or before this date (inclusive) or before this ISO time"),
    )
]

document(
    "/api/complaints",
    {
        "post": {
            "summary": "File a complaint",
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "A retried request with the same key and body "
                            "returns the first result instead of a second complaint."}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/NewComplaint"}}}},
            "responses": {
                "201": {"description": "Created; reporter_token is shown only now",
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Complaint"}}}},
                "200": {"description": "Replay of an earlier request with the same key"},
                **error_responses(400, 415, 422, 503),
            },
        },
        "get": {
            "summary": "List complaints (public fields)",
            "parameters": FILTER_PARAMETERS + [
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "page_size", "in": "query", "schema": {
                    "type": "integer", "minimum": 1, "maximum": PAGE_SIZE_MAX}},
            ],
            "responses": {"200": {"description": "items, total, page, page_size"},
                          **error_responses(400)},
        },
    },
    schemas={
        "NewComplaint": {
            "type": "object",
            "required": ["category", "description"],
            "additionalProperties": False,
            "properties": {
                "category": {"type": "string"},
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "accuracy_m": {"type": "number", "minimum": 0},
                "location_source": {"enum": ["gps", "map_pin", "typed", "import"]},
                "description": {"type": "string", "minLength": 5, "maxLength": 2000},
                "address_note": {"type": "string", "maxLength": 300},
                "name": {"type": "string", "maxLength": 100},
                "phone": {"type": "string"},
                "email": {"type": "string"},
                "consent": {"type": "boolean"},
                "confidential": {"type": "boolean"},
            },
        },
        "Complaint": {"type": "object", "properties": {
            "tracking_code": {"type": "string"}, "status": {"type": "string"},
            "due_at": {"type": "string", "format": "date-time"},
            "reporter_token": {"type": "string"}}},
    },
)
document(
    "/api/complaints/{code}",
    {"get": {"summary": "One complaint (public fields)",
             "parameters": [{"name": "code", "in": "path", "required": True,
                             "schema": {"type": "string"}}],
             "responses": {"200": {"description": "The complaint"},
                           **error_responses(404)}}},
)
