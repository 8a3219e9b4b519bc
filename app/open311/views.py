"""The Open311 GeoReport v2 endpoints under /open311/v2/, in JSON and XML."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from datetime import timezone

from flask import Blueprint
from flask import current_app
from flask import g
from flask import request
from flask import url_for
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.errors import ApiError
from app.errors import NotFound
from app.i18n import current_language
from app.intake import create_complaint
from app.intake_request import DESCRIPTION_MAX
from app.open311.formats import FORMATS
from app.open311.formats import render
from app.open311.formats import render_error
from app.open311.params import parse_post
from app.open311.params import parse_request_query
from app.open311.params import reject_nul
from app.open311.params import requested_ids
from app.open311.queries import find_history
from app.open311.queries import find_report_photos
from app.open311.queries import find_requests
from app.open311.queries import find_requests_by_id
from app.open311.queries import find_service
from app.open311.queries import find_services
from app.open311.records import RequestExtras
from app.open311.records import request_record
from app.open311.records import service_definition
from app.open311.records import service_notice
from app.open311.records import service_record
from app.services import db_session
from app.services import services

log = logging.getLogger(__name__)

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API's description last changed, as discovery reports it.
CHANGESET = "2026-12-04T00:00:00Z"
# The endpoint that serves stored photos, once the citizen pages provide it.
PHOTO_ENDPOINT = "citizen.photo"
FORM_MIMETYPES = ("", "application/x-www-form-urlencoded", "multipart/form-data")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.before_request
def _reject_nul_characters() -> None:
    reject_nul((request.view_args or {}).items(), "path part")
    reject_nul(request.args.items(multi=True), "parameter")
    if request.method == "POST" and request.mimetype in FORM_MIMETYPES:
        reject_nul(request.form.items(multi=True), "form field")


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ApiError(
            404,
            "unknown_format",
            f"Format .{fmt[:20]} tidak didukung; gunakan .json atau .xml.",
            f"The format .{fmt[:20]} is not supported; use .json or .xml.",
            field="format",
            value=fmt[:20],
        )
    return fmt


def _check_jurisdiction(values) -> None:
    """jurisdiction_id is optional; when given it must be this city's code."""
    jurisdiction = values.get("jurisdiction_id")
    city = services().city
    if jurisdiction and jurisdiction != city.code:
        raise ApiError(
            404,
            "unknown_jurisdiction",
            f"jurisdiction_id {jurisdiction[:40]!r} tidak dikenal; server ini melayani "
            f"{city.name} ({city.code}).",
            f"jurisdiction_id {jurisdiction[:40]!r} is unknown; this server serves "
            f"{city.name} ({city.code}).",
            field="jurisdiction_id",
        )


def _base_url() -> str:
    return url_for("open311.discovery", fmt="json", _external=True).rsplit("/", 1)[0]


@bp.get("/discovery.<fmt>")
def discovery(fmt: str):
    """Service discovery: where the GeoReport v2 endpoint is and what it speaks."""
    fmt = _format(fmt)
    city = services().city
    body = {
        "changeset": CHANGESET,
        "contact": f"Peta Aduan {city.name}",
        "key_service": "No API key is needed; an api_key parameter is accepted and "
        "ignored.",
        "notes": "POST requests returns the service_request_id at once; tokens are not "
        "used. Complaints without lat and long are accepted only for services "
        "whose description does not ask for them.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(fmt, "discovery", None, body)


@bp.get("/services.<fmt>")
def service_list(fmt: str):
    """List every active category of the city as a service."""
    fmt = _format(fmt)
    _check_jurisdiction(request.args)
    language = current_language()
    categories = find_services(db_session(), services().city.code)
    return render(
        fmt,
        "services",
        "service",
        [service_record(category, language) for category in categories],
    )


@bp.get("/services/<service_code>.<fmt>")
def service_definition_view(service_code: str, fmt: str):
    """Return the definition of one service; categories have no extra attributes."""
    fmt = _format(fmt)
    _check_jurisdiction(request.args)
    category = find_service(db_session(), services().city.code, service_code)
    if category is None:
        raise ApiError(
            404,
            "unknown_service_code",
            f"service_code {service_code[:64]!r} tidak dikenal.",
            f"service_code {service_code[:64]!r} is unknown.",
            field="service_code",
            value=service_code[:64],
        )
    return render(fmt, "service_definition", None, service_definition(category))


def _records(complaints) -> list[dict]:
    session = db_session()
    city = services().city
    language = current_language()
    ids = [complaint.id for complaint in complaints]
    history = find_history(session, ids)
    photos = find_report_photos(session, ids)
    serve_photos = PHOTO_ENDPOINT in current_app.view_functions
    records = []
    for complaint in complaints:
        updated_at, note = history.get(complaint.id, (None, None))
        photo = photos.get(complaint.id)
        photo_url = (
            url_for(PHOTO_ENDPOINT, name=photo, _external=True)
            if photo and serve_photos
            else None
        )
        records.append(
            request_record(
                complaint, city, language, RequestExtras(updated_at, note, photo_url)
            )
        )
    return records


@bp.get("/requests.<fmt>")
def request_list(fmt: str):
    """Service requests by id list, or filtered by service, date range and status."""
    fmt = _format(fmt)
    _check_jurisdiction(request.args)
    city = services().city
    ids = requested_ids(request.args)
    if ids:
        complaints = find_requests_by_id(db_session(), city.code, ids)
    else:
        query = parse_request_query(
            request.args, city.timezone, datetime.now(timezone.utc)
        )
        complaints = find_requests(db_session(), city.code, query)
    return render(fmt, "service_requests", "request", _records(complaints))


@bp.get("/requests/<service_request_id>.<fmt>")
def request_detail(service_request_id: str, fmt: str):
    """Return one service request, as a list of one."""
    fmt = _format(fmt)
    _check_jurisdiction(request.args)
    complaints = find_requests_by_id(
        db_session(), services().city.code, [service_request_id]
    )
    if not complaints:
        raise NotFound("Aduan", "Service request", service_request_id[:40])
    return render(fmt, "service_requests", "request", _records(complaints))


def _require_form() -> None:
    if request.mimetype not in FORM_MIMETYPES:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Kirim isi permintaan sebagai formulir "
            "(application/x-www-form-urlencoded), sesuai GeoReport v2.",
            "Send the body form-encoded (application/x-www-form-urlencoded), as "
            "GeoReport v2 specifies.",
            value=request.mimetype[:80],
        )


@bp.post("/requests.<fmt>")
def request_create(fmt: str):
    """File a complaint from a form-encoded GeoReport v2 request."""
    fmt = _format(fmt)
    _require_form()
    _check_jurisdiction(request.form)
    complaint_request = parse_post(request.form)

    session = db_session()
    try:
        created = create_complaint(
            session,
            services().city,
            complaint_request,
            channel="open311",
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
    except ApiError as error:
        raise _open311_wording(error, complaint_request.category) from None
    session.commit()

    complaint = created.complaint
    body = [
        {
            "service_request_id": complaint.tracking_code,
            "service_notice": service_notice(complaint.category, current_language()),
            "account_id": None,
        }
    ]
    status = 200 if created.replayed else 201
    response = render(fmt, "service_requests", "request", body, status=status)
    response.headers["Location"] = url_for(
        "open311.request_detail", service_request_id=complaint.tracking_code, fmt=fmt
    )
    return response


def _open311_wording(error: ApiError, service_code: str) -> ApiError:
    """Reword the intake errors whose advice names the web form."""
    if error.code != "location_required":
        return error
    return ApiError(
        400,
        "location_required",
        f"Layanan {service_code} memerlukan lokasi. Kirim lat dan long; address_string "
        "saja tidak dapat dipetakan.",
        f"The service {service_code} needs a location. Send lat and long; an "
        "address_string alone cannot be placed on the map.",
        field="lat",
    )


@bp.route("/", defaults={"rest": ""}, methods=ALL_METHODS)
@bp.route("/<path:rest>", methods=ALL_METHODS)
def fallback(rest: str):
    """Reject unknown paths with 404 and wrong methods with 405, in the spec's shape."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != "open311.fallback":
            allowed.append(method)
    if allowed:
        raise ApiError(
            405,
            "method_not_allowed",
            f"Metode {request.method} tidak didukung di sini; gunakan "
            f"{' atau '.join(allowed)}.",
            f"The method {request.method} is not supported here; use "
            f"{' or '.join(allowed)}.",
            details={"allowed": allowed},
        )
    raise ApiError(
        404,
        "not_found",
        "Alamat ini tidak ada di GeoReport v2; mulai dari discovery.json.",
        "There is no such GeoReport v2 resource; start from discovery.json.",
    )


def _error_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt is None:
        fmt = request.path.rsplit(".", 1)[-1] if "." in request.path else "json"
    return fmt if fmt in FORMATS else "json"


@bp.errorhandler(ApiError)
def _handle_api_error(error: ApiError):
    log.info("open311 request rejected: %s (field %s)", error.code, error.field)
    return render_error(_error_format(), error, current_language())


@bp.errorhandler(HTTPException)
def _handle_http_error(error: HTTPException):
    status = error.code or 500
    if status == 413:
        wrapped = ApiError(
            413,
            "request_entity_too_large",
            f"Kiriman terlalu besar; description paling banyak {DESCRIPTION_MAX} "
            "karakter.",
            f"The request is too large; description may have at most {DESCRIPTION_MAX} "
            "characters.",
        )
    else:
        name = error.name or "Error"
        wrapped = ApiError(status, name.lower().replace(" ", "_"), name, name)
    log.info("open311 request rejected: HTTP %d", status)
    return render_error(_error_format(), wrapped, current_language())


@bp.errorhandler(OperationalError)
def _handle_database_down(error: OperationalError):
    error_id = g.get("request_id", secrets.token_hex(4))
    log.error("database unavailable (error id %s): %s", error_id, error.orig)
    wrapped = ApiError(
        503,
        "database_unavailable",
        f"Layanan sedang tidak tersedia (kode {error_id}).",
        f"The service is unavailable (error id {error_id}).",
    )
    return render_error(_error_format(), wrapped, current_language())


@bp.errorhandler(Exception)
def _handle_unexpected(error: Exception):
    error_id = g.get("request_id", secrets.token_hex(4))
    log.exception(
        "unhandled open311 error (error id %s) on %s %s",
        error_id,
        request.method,
        request.path,
    )
    wrapped = ApiError(
        500,
        "internal_error",
        f"Terjadi kesalahan di server (kode {error_id}).",
        f"The server failed (error id {error_id}).",
    )
    return render_error(_error_format(), wrapped, current_language())
