"""Follow a complaint: find it by tracking code, read its history, support it,
and, for its reporter, confirm the fix or reopen it."""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timezone

import folium
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from geoalchemy2.shape import to_shape

from app.citizen import bp
from app.citizen.feedback import confirm_fixed
from app.citizen.feedback import parse_rating
from app.citizen.feedback import reopen_complaint
from app.citizen.feedback import reopen_deadline
from app.citizen.display import zone_abbreviation
from app.citizen.history import complaint_history
from app.citizen.maps import embed_map
from app.citizen.maps import point_map
from app.citizen.outlines import current_outlines
from app.citizen.reporter import check_reporter_token
from app.citizen.reporter import reporter_token_matches
from app.citizen.settings import reopen_days
from app.citizen.support import check_not_supported_yet
from app.citizen.support import parse_supporter
from app.citizen.support import remember_supported
from app.citizen.support import support_complaint
from app.citizen.uploads import accept_upload
from app.citizen.uploads import attach_report_photo
from app.complaint_public import public_complaint
from app.errors import ApiError
from app.errors import NotFound
from app.i18n import current_language
from app.models import OPEN_STATUSES
from app.models import Complaint
from app.queries.complaints import find_by_tracking_code
from app.services import db_session
from app.services import services
from app.status import lock_complaint

log = logging.getLogger(__name__)

# Zoom of the status page map: a few streets around the complaint.
STATUS_MAP_ZOOM = 16
TRACKING_CODE_MAX = 40


@bp.get("/lacak")
def track():
    """Ask for a tracking code, and go to its status page when it exists."""
    code = request.args.get("kode", "").strip()
    if not code:
        return render_template("citizen/track.html", code="", error=None)
    complaint = find_by_tracking_code(db_session(), services().city.code,
                                      code[:TRACKING_CODE_MAX])
    if complaint is None:
        error = NotFound("Aduan", "Complaint", code[:TRACKING_CODE_MAX])
        return render_template("citizen/track.html", code=code,
                               error=error.message(current_language())), 404
    return redirect(url_for("citizen.status", code=complaint.tracking_code), 303)


@bp.get("/lacak/<code>")
def status(code: str):
    """Show the status page: history in the city's time, OPD, due date, photos."""
    complaint = _find(code)
    return _render_status(complaint, request.args.get("token"))


@bp.post("/lacak/<code>/dukung")
def support_form(code: str):
    """Support the complaint from its status page."""
    complaint = _find(code)
    session = db_session()
    try:
        contact = parse_supporter(request.form)
        check_not_supported_yet(complaint.id, complaint.tracking_code)
        support_complaint(session, complaint.id, contact)
        session.commit()
    except ApiError as error:
        session.rollback()
        _log_rejected(error, complaint)
        return _render_status(complaint, None, errors={"support": error},
                              values=request.form.to_dict())
    remember_supported(complaint.id)
    return redirect(url_for("citizen.status", code=complaint.tracking_code,
                            hasil="didukung"), 303)


@bp.post("/lacak/<code>/konfirmasi")
def confirm_form(code: str):
    """Record the reporter's confirmation that the problem is fixed."""
    complaint = _find(code)
    token = request.form.get("token")
    session = db_session()
    try:
        confirm_fixed(session, complaint.id, token=token,
                      rating=parse_rating(request.form.get("rating")))
        session.commit()
    except ApiError as error:
        session.rollback()
        _log_rejected(error, complaint)
        return _render_status(complaint, token, errors={"confirm": error})
    return redirect(url_for("citizen.status", code=complaint.tracking_code,
                            token=token, hasil="dikonfirmasi"), 303)


@bp.post("/lacak/<code>/buka-kembali")
def reopen_form(code: str):
    """Reopen a finished complaint for its reporter, with a reason."""
    complaint = _find(code)
    token = request.form.get("token")
    session = db_session()
    try:
        reopen_complaint(
            session, complaint.id, token=token, reason=request.form.get("reason"),
            rating=parse_rating(request.form.get("rating")), window_days=reopen_days(),
        )
        session.commit()
    except ApiError as error:
        session.rollback()
        _log_rejected(error, complaint)
        return _render_status(complaint, token, errors={"reopen": error},
                              values=request.form.to_dict())
    return redirect(url_for("citizen.status", code=complaint.tracking_code,
                            token=token, hasil="dibuka-kembali"), 303)


@bp.post("/lacak/<code>/foto")
def photo_form(code: str):
    """Add the reporter's photo to an open complaint."""
    complaint = _find(code)
    token = request.form.get("token")
    session = db_session()
    settings = services().settings
    upload = request.files.get("photo")
    try:
        check_reporter_token(complaint, token)
        stored = accept_upload(upload.read() if upload else b"", settings.upload_dir,
                               settings.photo_max_bytes)
        locked = lock_complaint(session, complaint.id)
        attach_report_photo(session, locked, stored.name, settings.upload_dir)
        session.commit()
    except ApiError as error:
        session.rollback()
        _log_rejected(error, complaint)
        return _render_status(complaint, token, errors={"photo": error})
    return redirect(url_for("citizen.status", code=complaint.tracking_code,
                            token=token, hasil="foto"), 303)


def _log_rejected(error: ApiError, complaint: Complaint) -> None:
    log.info("%s on complaint id %d rejected: %s (field %s)", request.endpoint,
             complaint.id, error.code, error.field)


def _find(code: str) -> Complaint:
    complaint = find_by_tracking_code(db_session(), services().city.code,
                                      code[:TRACKING_CODE_MAX])
    if complaint is None:
        raise NotFound("Aduan", "Complaint", code[:TRACKING_CODE_MAX])
    return complaint


def _render_status(
    complaint: Complaint,
    token: str | None,
    *,
    errors: dict[str, ApiError] | None = None,
    values: dict | None = None,
):
    session = db_session()
    session.refresh(complaint)
    city = services().city
    language = current_language()
    is_reporter = reporter_token_matches(complaint, token)
    errors = errors or {}
    deadline = reopen_deadline(complaint, reopen_days())
    page = render_template(
        "citizen/status.html",
        complaint=complaint,
        public=public_complaint(complaint, language, city),
        history=complaint_history(session, complaint, language),
        is_reporter=is_reporter,
        token=token if is_reporter else None,
        token_rejected=bool(token) and not is_reporter,
        reopen_deadline=deadline,
        reopen_days=reopen_days(),
        can_reopen=deadline is not None and datetime.now(timezone.utc) <= deadline,
        can_add_photo=is_reporter and complaint.status in OPEN_STATUSES,
        just_filed=request.args.get("baru") == "1",
        outcome=request.args.get("hasil"),
        errors={key: error.message(language) for key, error in errors.items()},
        values=values or {},
        map_parts=_status_map(complaint),
        outlines_url=_outlines_url(),
        timezone=city.timezone,
        timezone_label=zone_abbreviation(city.timezone) or city.timezone,
    )
    status_code = max((error.status for error in errors.values()), default=200)
    response = make_response(page, status_code)
    if token:
        # A page that shows the reporter token must not be stored or leak it onwards.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _outlines_url() -> str:
    outlines = current_outlines(db_session(), services().city)
    return url_for("citizen.outlines", v=outlines.version_id)


def _status_map(complaint: Complaint):
    if complaint.location is None:
        return None
    point = to_shape(complaint.location)
    city_map = point_map(services().settings, point.y, point.x, STATUS_MAP_ZOOM)
    folium.CircleMarker(
        location=(point.y, point.x), radius=10, color="#ffffff", weight=3, fill=True,
        fill_color="#b3261e", fill_opacity=0.95,
    ).add_to(city_map)
    return embed_map(city_map)
