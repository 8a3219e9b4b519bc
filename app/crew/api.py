"""The crew's JSON API: nearest tasks, the day's route, a task and the work on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flask import jsonify
from flask import request
from flask import url_for
from sqlalchemy import select

from app.auth import current_staff
from app.auth import role_required
from app.crew import bp
from app.complaint_public import iso_in_zone
from app.crew.day_route import plan_day_route
from app.crew.day_route import route_tasks
from app.crew.detail import load_task_detail
from app.crew.params import DEFAULT_ROUTE_STOPS
from app.crew.params import MAX_ROUTE_STOPS
from app.crew.params import parse_task_query
from app.crew.params import parse_tracking_codes
from app.crew.params import parse_whole_number
from app.crew.tasks import list_nearest
from app.crew.tasks import task_json
from app.crew.work import add_progress
from app.crew.work import discard_uploads
from app.crew.work import find_task_ref
from app.crew.work import finish_task
from app.crew.work import hand_back_task
from app.crew.work import store_uploads
from app.crew.work import take_task
from app.errors import ApiError
from app.i18n import current_language
from app.models import Complaint
from app.services import db_session
from app.services import services

CREW_ROLES = ("crew", "opd_admin")


@bp.get("/api/crew/tasks")
@role_required(*CREW_ROLES)
def api_tasks():
    """Return one page of the caller's open tasks nearest to lat, lon."""
    query = parse_task_query(request.args)
    city = services().city
    tasks, total = list_nearest(
        db_session().connection(), current_staff(), city, query, current_language()
    )
    return jsonify(
        {
            "position": {"lat": query.lat, "lon": query.lon},
            "radius_m": query.radius_m,
            "page": query.page,
            "limit": query.limit,
            "total": total,
            "items": [task_json(task, city) for task in tasks],
        }
    )


@bp.get("/api/crew/route")
@role_required(*CREW_ROLES)
def api_route():
    """Return picked tasks (code=...) or the nearest `stops` in visiting order."""
    stop_count = parse_whole_number(
        request.args, "stops", DEFAULT_ROUTE_STOPS, MAX_ROUTE_STOPS
    )
    query = replace(parse_task_query(request.args), page=1, limit=stop_count)
    codes = parse_tracking_codes(request.args.getlist("code"))
    city = services().city
    picked = route_tasks(
        db_session().connection(),
        current_staff(),
        city,
        query,
        codes,
        current_language(),
    )
    day_route = plan_day_route(query.lon, query.lat, picked)
    return jsonify(
        {
            "start": {"lat": day_route.lat, "lon": day_route.lon},
            "method": day_route.method,
            "total_m": round(day_route.total_m, 1),
            "stops": [
                {
                    "number": stop.number,
                    "leg_m": round(stop.leg_m, 1),
                    "geo_uri": stop.geo_uri,
                    "directions_url": stop.directions_url,
                    **task_json(stop.task, city),
                }
                for stop in day_route.stops
            ],
        }
    )


@bp.get("/api/crew/tasks/<code>")
@role_required(*CREW_ROLES)
def api_task(code: str):
    """Return a task with its description, history and photo links."""
    staff, city = current_staff(), services().city
    ref = find_task_ref(db_session(), city, code, staff)
    detail = load_task_detail(db_session(), ref, staff, current_language())
    complaint = detail.complaint
    return jsonify(
        {
            **task_json(detail.task, city),
            "description": complaint.description,
            "address_note": complaint.address_note,
            "confidential": complaint.confidential,
            "result_photo_required": detail.result_photo_required,
            "history": [_event_json(event, detail, city) for event in detail.events],
        }
    )


def _event_json(event, detail, city) -> dict:
    photos = detail.photos_by_event.get(event.id, [])
    return {
        "occurred_at": iso_in_zone(event.occurred_at, city.timezone),
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note,
        "is_public": event.is_public,
        "photos": [
            {"kind": photo.kind, "url": url_for("crew.photo", photo_id=photo.id)}
            for photo in photos
        ],
    }


def _fields() -> dict:
    """Fields of a JSON body or a form (multipart for photos)."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(
                400, "invalid_body", "Kirim objek JSON.", "Send a JSON object."
            )
        return body
    return request.form.to_dict()


def _text_field(fields: dict, name: str) -> str:
    value = fields.get(name, "")
    if not isinstance(value, str):
        raise ApiError(
            400,
            f"invalid_{name}",
            f"Isian {name} harus berupa teks.",
            f"The {name} field must be a string.",
            field=name,
        )
    return value


def _run(code: str, action: Callable, photos: list[bytes] = (), created: bool = False):
    """Run a task action, commit it and reply with the task's status afterwards."""
    session, staff = db_session(), current_staff()
    ref = find_task_ref(session, services().city, code, staff)
    settings = services().settings
    uploads = store_uploads(list(photos), settings.upload_dir, settings.photo_max_bytes)
    try:
        event = action(session, ref, staff, uploads)
        session.commit()
    except Exception:
        session.rollback()
        discard_uploads(uploads, settings.upload_dir)
        raise
    status = session.scalar(select(Complaint.status).where(Complaint.id == ref.id))
    body = {
        "tracking_code": ref.tracking_code,
        "status": status,
        "event_id": event.id if event is not None else None,
    }
    return jsonify(body), 201 if created else 200


def _photos() -> list[bytes]:
    return [
        upload.read() for upload in request.files.getlist("photo") if upload.filename
    ]


@bp.post("/api/crew/tasks/<code>/take")
@role_required(*CREW_ROLES)
def api_take(code: str):
    """Take a waiting task; a second crew member taking it gets 409 task_taken."""
    return _run(code, lambda s, ref, staff, _: take_task(s, ref, staff))


@bp.post("/api/crew/tasks/<code>/notes")
@role_required(*CREW_ROLES)
def api_add_note(code: str):
    """Add a public progress note (field note) with up to three photos."""
    note = _text_field(_fields(), "note")
    return _run(
        code,
        lambda s, ref, staff, uploads: add_progress(s, ref, staff, note, uploads),
        _photos(),
        created=True,
    )


@bp.post("/api/crew/tasks/<code>/finish")
@role_required(*CREW_ROLES)
def api_finish(code: str):
    """Finish a task in proses; send the result photo as multipart field photo."""
    note = _text_field(_fields(), "note")
    return _run(
        code,
        lambda s, ref, staff, uploads: finish_task(s, ref, staff, note, uploads),
        _photos(),
    )


@bp.post("/api/crew/tasks/<code>/hand-back")
@role_required(*CREW_ROLES)
def api_hand_back(code: str):
    """Hand a task in proses back to menunggu; field reason is required."""
    reason = _text_field(_fields(), "reason")
    return _run(code, lambda s, ref, staff, _: hand_back_task(s, ref, staff, reason))
