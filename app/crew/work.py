"""Work on a task: take, add progress, finish, hand back; assign, reject, re-route.

Every function checks its rules under the complaint's row lock, writes through
app.status and leaves the commit to the caller, so a change and its photos are
stored together or not at all.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import Staff
from app.citizen.uploads import StoredUpload
from app.citizen.uploads import accept_upload
from app.config import City
from app.crew.settings import result_photo_required
from app.errors import ApiError
from app.errors import NotFound
from app.models import OPEN_STATUSES
from app.models import Complaint
from app.models import ComplaintEvent
from app.models import ComplaintPhoto
from app.models import StaffUser
from app.status import Actor
from app.status import add_note
from app.status import change_status
from app.status import reroute

log = logging.getLogger(__name__)

# Photos one progress note or finish may carry.
MAX_PHOTOS_PER_UPDATE = 3


@dataclass(frozen=True)
class TaskRef:
    """A complaint the staff member may work on, found by tracking code."""

    id: int
    tracking_code: str
    opd_id: int


def find_task_ref(session: Session, city: City, code: str, staff: Staff) -> TaskRef:
    """Find a complaint by tracking code within the staff member's OPD.

    Only columns are read, not the ORM object, so the row lock taken later
    loads the complaint's current values.

    Raises:
        NotFound: 404 when the code is unknown or the complaint belongs to
            another OPD; both give the same reply.
    """
    row = session.execute(
        select(Complaint.id, Complaint.tracking_code, Complaint.opd_id).where(
            Complaint.city_code == city.code,
            Complaint.tracking_code == code.strip().upper(),
        )
    ).first()
    if row is None or not staff.can_work_opd(row.opd_id):
        raise NotFound("Aduan", "Complaint", code)
    return TaskRef(row.id, row.tracking_code, row.opd_id)


def staff_actor(staff: Staff) -> Actor:
    """Return the history actor of a staff member; the label is never shown publicly."""
    return Actor(kind="staff", user_id=staff.id, label=staff.username)


def _lock(session: Session, ref: TaskRef) -> Complaint:
    """Lock the complaint row and load its values as they are after the lock."""
    return session.scalars(
        select(Complaint)
        .where(Complaint.id == ref.id)
        .with_for_update(of=Complaint)
        .execution_options(populate_existing=True)
    ).one()


def _conflict(code: str, message_id: str, message_en: str, status: str) -> ApiError:
    return ApiError(409, code, message_id, message_en, field="status", value=status)


def take_task(session: Session, ref: TaskRef, staff: Staff) -> ComplaintEvent | None:
    """Move a waiting task to proses and assign it to the staff member.

    Taking a task that is already yours changes nothing and returns None.

    Raises:
        ApiError: 409 task_taken, task_assigned or task_closed.
    """
    complaint = _lock(session, ref)
    code = ref.tracking_code
    if complaint.status == "proses" and complaint.assigned_user_id == staff.id:
        return None
    if complaint.status == "proses":
        raise _conflict(
            "task_taken",
            f"Tugas {code} sudah diambil petugas lain. Pilih tugas lain.",
            f"Task {code} has already been taken by another crew member. "
            "Pick another task.",
            complaint.status,
        )
    if complaint.status != "menunggu":
        raise _closed(code, complaint.status)
    if complaint.assigned_user_id not in (None, staff.id) and not _manages(staff):
        raise _conflict(
            "task_assigned",
            f"Tugas {code} sudah ditugaskan kepada petugas lain.",
            f"Task {code} is assigned to another crew member.",
            complaint.status,
        )
    event = change_status(
        session, ref.id, "proses", actor=staff_actor(staff), expected_status="menunggu"
    )
    log.info("staff user %d took complaint id %d", staff.id, ref.id)
    return event


def _closed(code: str, status: str) -> ApiError:
    return _conflict(
        "task_closed",
        f"Aduan {code} berstatus {status} dan bukan tugas terbuka lagi.",
        f"Complaint {code} is {status} and no longer an open task.",
        status,
    )


def _manages(staff: Staff) -> bool:
    return staff.role in ("opd_admin", "admin")


def _check_working(complaint: Complaint, staff: Staff, code: str) -> None:
    """Allow changes only to a task in proses, by its crew member or a manager."""
    if complaint.status in OPEN_STATUSES and complaint.status != "proses":
        raise _conflict(
            "task_not_in_progress",
            f"Tugas {code} belum diambil. Ambil tugas ini terlebih dahulu.",
            f"Task {code} has not been taken yet. Take the task first.",
            complaint.status,
        )
    if complaint.status != "proses":
        raise _closed(code, complaint.status)
    if complaint.assigned_user_id != staff.id and not _manages(staff):
        raise ApiError(
            403,
            "task_not_yours",
            f"Tugas {code} sedang dikerjakan petugas lain.",
            f"Task {code} is being worked on by another crew member.",
        )


def store_uploads(photos: list[bytes], upload_dir: Path, max_bytes: int) -> list:
    """Check, re-encode and store photos by the citizens' rules.

    Raises:
        ApiError: too many photos (400) or a rejected photo (400, 413, 415, 422).
    """
    if len(photos) > MAX_PHOTOS_PER_UPDATE:
        raise ApiError(
            400,
            "too_many_photos",
            f"Kirim paling banyak {MAX_PHOTOS_PER_UPDATE} foto sekaligus.",
            f"Send at most {MAX_PHOTOS_PER_UPDATE} photos at once.",
            field="photo",
            value=len(photos),
        )
    stored: list[StoredUpload] = []
    try:
        for data in photos:
            stored.append(accept_upload(data, upload_dir, max_bytes))
    except ApiError:
        discard_uploads(stored, upload_dir)
        raise
    return stored


def discard_uploads(uploads: list[StoredUpload], upload_dir: Path) -> None:
    """Delete stored photos whose change was not saved."""
    for upload in uploads:
        with contextlib.suppress(FileNotFoundError):
            (upload_dir / upload.name).unlink()


def _attach(
    session: Session,
    ref: TaskRef,
    event: ComplaintEvent,
    kind: str,
    uploads: list[StoredUpload],
) -> None:
    for upload in uploads:
        session.add(
            ComplaintPhoto(
                complaint_id=ref.id,
                event_id=event.id,
                kind=kind,
                stored_name=upload.name,
                content_type="image/jpeg",
                width=upload.width,
                height=upload.height,
                byte_size=upload.byte_size,
            )
        )
    session.flush()


def add_progress(
    session: Session, ref: TaskRef, staff: Staff, note: str, uploads: list[StoredUpload]
) -> ComplaintEvent:
    """Add a public progress note with photos (kind progress) to a task in proses."""
    complaint = _lock(session, ref)
    _check_working(complaint, staff, ref.tracking_code)
    event = add_note(
        session, ref.id, actor=staff_actor(staff), note=note, is_public=True
    )
    _attach(session, ref, event, "progress", uploads)
    return event


def finish_task(
    session: Session,
    ref: TaskRef,
    staff: Staff,
    note: str | None,
    uploads: list[StoredUpload],
) -> ComplaintEvent:
    """Mark a task selesai with its result photos (kind result).

    Raises:
        ApiError: 400 result_photo_required when the OPD requires a photo and
            none came, or the errors of _check_working.
    """
    complaint = _lock(session, ref)
    _check_working(complaint, staff, ref.tracking_code)
    if not uploads and result_photo_required(session, ref.opd_id):
        raise ApiError(
            400,
            "result_photo_required",
            "Lampirkan foto hasil pekerjaan untuk menyelesaikan tugas.",
            "Attach a photo of the finished work to finish the task.",
            field="photo",
        )
    event = change_status(
        session,
        ref.id,
        "selesai",
        actor=staff_actor(staff),
        note=(note or "").strip() or None,
        expected_status="proses",
    )
    _attach(session, ref, event, "result", uploads)
    log.info("staff user %d finished complaint id %d", staff.id, ref.id)
    return event


def hand_back_task(
    session: Session, ref: TaskRef, staff: Staff, reason: str
) -> ComplaintEvent:
    """Return a task in proses to menunggu, with a reason, for another crew member."""
    complaint = _lock(session, ref)
    _check_working(complaint, staff, ref.tracking_code)
    return change_status(
        session,
        ref.id,
        "menunggu",
        actor=staff_actor(staff),
        note=reason,
        expected_status="proses",
    )


def assign_task(
    session: Session, ref: TaskRef, staff: Staff, username: str
) -> ComplaintEvent:
    """Assign an open task to an active crew member of its OPD (not public).

    Raises:
        ApiError: 400 unknown_crew_member, 409 task_closed.
    """
    complaint = _lock(session, ref)
    if complaint.status not in OPEN_STATUSES:
        raise _closed(ref.tracking_code, complaint.status)
    member = session.scalars(
        select(StaffUser).where(
            StaffUser.username == username.strip().lower(),
            StaffUser.active.is_(True),
            StaffUser.opd_id == ref.opd_id,
            StaffUser.role.in_(("crew", "opd_admin")),
        )
    ).one_or_none()
    if member is None:
        raise ApiError(
            400,
            "unknown_crew_member",
            f"Tidak ada petugas aktif {username!r} di OPD aduan ini.",
            f"There is no active crew member {username!r} in this complaint's OPD.",
            field="username",
            value=username,
        )
    complaint.assigned_user_id = member.id
    return add_note(
        session,
        ref.id,
        actor=staff_actor(staff),
        note=member.username,
        is_public=False,
        kind="assign",
    )


def reject_task(
    session: Session, ref: TaskRef, staff: Staff, reason: str
) -> ComplaintEvent:
    """Reject an open complaint with a public reason."""
    complaint = _lock(session, ref)
    if complaint.status not in OPEN_STATUSES:
        raise _closed(ref.tracking_code, complaint.status)
    return change_status(
        session,
        ref.id,
        "ditolak",
        actor=staff_actor(staff),
        note=reason,
        expected_status=complaint.status,
    )


def reroute_task(
    session: Session, ref: TaskRef, staff: Staff, opd_code: str, reason: str
) -> ComplaintEvent:
    """Hand an open complaint to another OPD, with a reason."""
    return reroute(
        session,
        ref.id,
        opd_code.strip().upper(),
        actor=staff_actor(staff),
        reason=reason,
    )
