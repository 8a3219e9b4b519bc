"""Crew pages: nearest tasks, the day's route, a task with its actions, and photos."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import url_for
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import gettext
from sqlalchemy import select

from app.auth import current_staff
from app.auth import role_required
from app.crew import bp
from app.crew.day_route import plan_day_route
from app.crew.day_route import route_tasks
from app.crew.detail import load_task_detail
from app.crew.maps import route_map
from app.crew.maps import tasks_map
from app.crew.params import DEFAULT_ROUTE_STOPS
from app.crew.params import MAX_RADIUS_M
from app.crew.params import MAX_ROUTE_STOPS
from app.crew.params import parse_task_query
from app.crew.params import parse_tracking_codes
from app.crew.params import parse_whole_number
from app.crew.tasks import list_nearest
from app.crew.work import TaskRef
from app.crew.work import add_progress
from app.crew.work import discard_uploads
from app.crew.work import find_task_ref
from app.crew.work import finish_task
from app.crew.work import hand_back_task
from app.crew.work import store_uploads
from app.crew.work import take_task
from app.errors import ApiError
from app.errors import NotFound
from app.i18n import current_language
from app.models import Complaint
from app.models import ComplaintPhoto
from app.queries.tasks import find_categories
from app.queries.tasks import find_city_outline
from app.services import db_session
from app.services import services

log = logging.getLogger(__name__)

CREW_ROLES = ("crew", "opd_admin")
RADIUS_CHOICES_M = (500, 1000, 2000, 5000, 10000)


@bp.app_template_filter("crew_distance")
def format_distance(distance_m: float | None) -> str:
    """Format metres as "850 m" or "1,2 km" in the page's language."""
    if distance_m is None:
        return ""
    if distance_m < 1000:
        return f"{format_decimal(round(distance_m), format='#,##0')} m"
    return f"{format_decimal(distance_m / 1000, format='#,##0.0')} km"


@bp.app_template_filter("crew_datetime")
def format_when(instant) -> str:
    """Format a time in the city's zone, such as "4 Des 2026 14.30"."""
    return format_datetime(instant, "d MMM yyyy HH:mm") if instant else ""


def _outline() -> str | None:
    return find_city_outline(db_session().connection(), services().city.code)


def _filter_args() -> dict:
    """Return the request's filter parameters, for links that keep them."""
    keys = ("lat", "lon", "radius_m", "category", "status", "limit")
    return {key: request.args[key] for key in keys if request.args.get(key)}


@bp.get("/petugas/tugas")
@role_required(*CREW_ROLES)
def tasks():
    """List the open tasks of the crew's OPD nearest to a position."""
    staff, language = current_staff(), current_language()
    conn = db_session().connection()
    query, error, found, total = None, None, [], 0
    if request.args.get("lat") or request.args.get("lon"):
        try:
            query = parse_task_query(request.args)
        except ApiError as invalid:
            error = invalid.message(language)
    if query is not None:
        found, total = list_nearest(conn, staff, services().city, query, language)
    position = (query.lat, query.lon) if query else None
    task_map = tasks_map(
        services().settings,
        _outline(),
        position,
        found,
        query.radius_m if query else None,
    )
    return render_template(
        "crew/tasks.html",
        query=query,
        tasks=found,
        total=total,
        error=error,
        task_map=task_map,
        filters=_filter_args(),
        radius_choices=RADIUS_CHOICES_M,
        max_radius_m=MAX_RADIUS_M,
        categories=find_categories(conn, services().city.code),
        language=language,
        default_stops=DEFAULT_ROUTE_STOPS,
        max_stops=MAX_ROUTE_STOPS,
    )


@bp.get("/petugas/rute")
@role_required(*CREW_ROLES)
def route():
    """Order picked tasks, or the nearest ones, into a route from the position."""
    staff, language = current_staff(), current_language()
    stop_count = parse_whole_number(
        request.args, "stops", DEFAULT_ROUTE_STOPS, MAX_ROUTE_STOPS
    )
    query = replace(parse_task_query(request.args), page=1, limit=stop_count)
    codes = parse_tracking_codes(request.args.getlist("code"))
    picked = route_tasks(
        db_session().connection(), staff, services().city, query, codes, language
    )
    day_route = plan_day_route(query.lon, query.lat, picked)
    return render_template(
        "crew/route.html",
        route=day_route,
        query=query,
        picked=bool(codes),
        route_map=route_map(services().settings, _outline(), day_route),
        filters=_filter_args(),
    )


def _render_task(ref: TaskRef, error: ApiError | None = None):
    staff, language = current_staff(), current_language()
    detail = load_task_detail(db_session(), ref, staff, language)
    page = render_template(
        "crew/task.html",
        detail=detail,
        task=detail.task,
        staff=staff,
        error=error.message(language) if error else None,
        back_args=_filter_args(),
        typed=_typed_text if error else _nothing_typed,
    )
    return page, error.status if error else 200


def _typed_text(endpoint: str, field: str) -> str:
    """Return what the user typed into a rejected form, to show it again."""
    return request.form.get(field, "") if request.endpoint == endpoint else ""


def _nothing_typed(endpoint: str, field: str) -> str:
    return ""


@bp.get("/petugas/tugas/<code>")
@role_required(*CREW_ROLES)
def task(code: str):
    """Show one task with its history, photos and the actions the user may take."""
    ref = find_task_ref(db_session(), services().city, code, current_staff())
    return _render_task(ref)


def _form_photos() -> list[bytes]:
    return [
        upload.read() for upload in request.files.getlist("photo") if upload.filename
    ]


def run_task_action(
    code: str,
    action: Callable,
    done_message: str,
    photos: list[bytes] = (),
    done_url: str | None = None,
):
    """Run action(session, ref, staff, uploads) on a task and commit it.

    On success the browser goes to done_url (the task page by default), which
    shows done_message. When a rule rejects the action, the task page shows the
    error with the error's HTTP status.
    """
    session, staff = db_session(), current_staff()
    ref = find_task_ref(session, services().city, code, staff)
    settings = services().settings
    uploads = []
    try:
        uploads = store_uploads(
            list(photos), settings.upload_dir, settings.photo_max_bytes
        )
        action(session, ref, staff, uploads)
        session.commit()
    except ApiError as error:
        session.rollback()
        discard_uploads(uploads, settings.upload_dir)
        return _render_task(ref, error)
    flash(done_message)
    done_url = done_url or url_for(
        "crew.task", code=ref.tracking_code, **_filter_args()
    )
    return redirect(done_url, 303)


@bp.post("/petugas/tugas/<code>/ambil")
@role_required(*CREW_ROLES)
def take(code: str):
    """Take a waiting task (menunggu -> proses)."""
    return run_task_action(
        code,
        lambda s, ref, staff, _: take_task(s, ref, staff),
        gettext("You took this task."),
    )


@bp.post("/petugas/tugas/<code>/catatan")
@role_required(*CREW_ROLES)
def add_note(code: str):
    """Add a progress note, with photos, that the reporter can read."""
    note = request.form.get("note", "")
    return run_task_action(
        code,
        lambda s, ref, staff, uploads: add_progress(s, ref, staff, note, uploads),
        gettext("The note was added."),
        _form_photos(),
    )


@bp.post("/petugas/tugas/<code>/selesai")
@role_required(*CREW_ROLES)
def finish(code: str):
    """Finish a task (proses -> selesai) with its result photo."""
    note = request.form.get("note", "")
    return run_task_action(
        code,
        lambda s, ref, staff, uploads: finish_task(s, ref, staff, note, uploads),
        gettext("The task is finished. Thank you!"),
        _form_photos(),
    )


@bp.post("/petugas/tugas/<code>/kembalikan")
@role_required(*CREW_ROLES)
def hand_back(code: str):
    """Hand a task back (proses -> menunggu) with a reason."""
    reason = request.form.get("reason", "")
    return run_task_action(
        code,
        lambda s, ref, staff, _: hand_back_task(s, ref, staff, reason),
        gettext("The task was handed back."),
    )


@bp.get("/petugas/foto/<int:photo_id>")
@role_required(*CREW_ROLES)
def photo(photo_id: int):
    """Send a photo of a complaint of the user's OPD."""
    row = (
        db_session()
        .execute(
            select(ComplaintPhoto.stored_name, Complaint.opd_id)
            .join(Complaint, Complaint.id == ComplaintPhoto.complaint_id)
            .where(ComplaintPhoto.id == photo_id)
        )
        .first()
    )
    if row is None or not current_staff().can_work_opd(row.opd_id):
        raise NotFound("Foto", "Photo", photo_id)
    response = send_from_directory(
        services().settings.upload_dir,
        row.stored_name,
        mimetype="image/jpeg",
        max_age=3600,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
