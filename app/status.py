"""The status machine of a complaint and its append-only history.

menunggu -> proses -> selesai; ditolak (reason required) from menunggu or
proses; selesai -> proses when the reporter reopens it. Re-routing to another
OPD (reason required) is allowed while the complaint is open. Every change
writes one complaint_event row in the same transaction, under a row lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ApiError
from app.errors import NotFound
from app.models import OPEN_STATUSES
from app.models import STATUSES
from app.models import Complaint
from app.models import ComplaintEvent
from app.models import Opd

log = logging.getLogger(__name__)

TRANSITIONS = {
    ("menunggu", "proses"),
    ("proses", "selesai"),
    ("menunggu", "ditolak"),
    ("proses", "ditolak"),
    ("selesai", "proses"),
    # A crew member hands a task back.
    ("proses", "menunggu"),
}
NOTE_MAX = 2000


@dataclass(frozen=True)
class Actor:
    """The person or process that changes a complaint.

    Labels are kept in the history; public outputs never show them.
    """

    kind: str
    user_id: int | None = None
    label: str | None = None


def lock_complaint(session: Session, complaint_id: int) -> Complaint:
    """Load the complaint with a row lock held until the transaction ends."""
    complaint = session.scalars(
        select(Complaint)
        .where(Complaint.id == complaint_id)
        .with_for_update(of=Complaint)
        # The session may hold this complaint from before the lock was taken.
        .execution_options(populate_existing=True)
    ).one_or_none()
    if complaint is None:
        raise NotFound("Aduan", "Complaint", complaint_id)
    return complaint


def _require_note(note: str | None, what_id: str, what_en: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ApiError(400, "reason_required", f"Alasan wajib diisi untuk {what_id}.",
                       f"A reason is required to {what_en}.", field="note")
    if len(note) > NOTE_MAX:
        raise ApiError(400, "note_too_long", f"Catatan maksimal {NOTE_MAX} karakter.",
                       f"The note may have at most {NOTE_MAX} characters.", field="note",
                       value=len(note))
    return note


def change_status(
    session: Session,
    complaint_id: int,
    to_status: str,
    *,
    actor: Actor,
    note: str | None = None,
    expected_status: str | None = None,
    at: datetime | None = None,
    is_reopen: bool = False,
) -> ComplaintEvent:
    """Move a complaint to another status and record it; the caller commits.

    Raises:
        ApiError: unknown status (400), transition not allowed (409
            invalid_transition), status changed meanwhile (409 status_conflict),
            missing reason (400).
    """
    if to_status not in STATUSES:
        raise ApiError(400, "invalid_status",
                       f"Status {to_status!r} tidak dikenal: {', '.join(STATUSES)}.",
                       f"Unknown status {to_status!r}: use {', '.join(STATUSES)}.",
                       field="status", value=to_status)
    complaint = lock_complaint(session, complaint_id)
    current = complaint.status
    if expected_status is not None and current != expected_status:
        raise ApiError(
            409, "status_conflict",
            f"Aduan {complaint.tracking_code} sudah berstatus {current}; "
            "mungkin petugas lain baru saja mengubahnya. Muat ulang daftar tugas.",
            f"Complaint {complaint.tracking_code} is already {current}; someone else may "
            "have just changed it. Reload the task list.",
            field="status", value=current,
        )
    if (current, to_status) not in TRANSITIONS:
        raise ApiError(
            409, "invalid_transition",
            f"Status aduan {complaint.tracking_code} tidak dapat diubah dari {current} "
            f"ke {to_status}.",
            f"Complaint {complaint.tracking_code} cannot go from {current} to {to_status}.",
            field="status", value=to_status,
        )
    reopening = current == "selesai" and to_status == "proses"
    if to_status == "ditolak":
        note = _require_note(note, "menolak aduan", "reject a complaint")
    elif reopening:
        note = _require_note(note, "membuka kembali aduan", "reopen a complaint")
    elif to_status == "menunggu":
        note = _require_note(note, "mengembalikan tugas", "hand a task back")

    at = at or datetime.now(timezone.utc)
    complaint.status = to_status
    complaint.status_changed_at = at
    if to_status in ("selesai", "ditolak"):
        complaint.finished_at = at
    elif reopening:
        complaint.finished_at = None
        complaint.confirmed_at = None
        complaint.reopen_count += 1
    if to_status == "menunggu":
        complaint.assigned_user_id = None
    elif to_status == "proses" and actor.kind == "staff" and not reopening:
        complaint.assigned_user_id = actor.user_id

    event = ComplaintEvent(
        complaint_id=complaint.id, occurred_at=at,
        kind="reopen" if reopening or is_reopen else "status",
        actor_kind=actor.kind, actor_user_id=actor.user_id, actor_label=actor.label,
        from_status=current, to_status=to_status, note=note, is_public=True,
    )
    session.add(event)
    session.flush()
    log.info("complaint id %d: %s -> %s by %s", complaint.id, current, to_status, actor.kind)
    return event


def reroute(session: Session, complaint_id: int, opd_code: str, *, actor: Actor,
            reason: str | None, at: datetime | None = None) -> ComplaintEvent:
    """Hand an open complaint to another OPD of the same city; the caller commits."""
    reason = _require_note(reason, "mengalihkan aduan", "re-route a complaint")
    complaint = lock_complaint(session, complaint_id)
    if complaint.status not in OPEN_STATUSES:
        raise ApiError(
            409, "invalid_transition",
            f"Aduan {complaint.tracking_code} berstatus {complaint.status} dan tidak dapat "
            "dialihkan.",
            f"Complaint {complaint.tracking_code} is {complaint.status} and cannot be "
            "re-routed.",
            field="opd", value=opd_code,
        )
    target = session.scalars(
        select(Opd).where(Opd.city_code == complaint.city_code, Opd.code == opd_code,
                          Opd.active)
    ).one_or_none()
    if target is None:
        raise ApiError(400, "unknown_opd", f"OPD {opd_code!r} tidak dikenal.",
                       f"Unknown OPD {opd_code!r}.", field="opd", value=opd_code)
    if target.id == complaint.opd_id:
        raise ApiError(409, "same_opd",
                       f"Aduan {complaint.tracking_code} sudah ditangani {target.short_name}.",
                       f"Complaint {complaint.tracking_code} is already with "
                       f"{target.short_name}.", field="opd", value=opd_code)

    at = at or datetime.now(timezone.utc)
    previous = complaint.opd_id
    previous_status = complaint.status
    complaint.opd_id = target.id
    complaint.routing_rule = "manual"
    complaint.service_area_id = None
    complaint.assigned_user_id = None
    if complaint.status == "proses":
        complaint.status = "menunggu"
        complaint.status_changed_at = at
    event = ComplaintEvent(
        complaint_id=complaint.id, occurred_at=at, kind="reroute", actor_kind=actor.kind,
        actor_user_id=actor.user_id, actor_label=actor.label, from_opd_id=previous,
        to_opd_id=target.id, from_status=previous_status, to_status=complaint.status,
        note=reason, is_public=True,
    )
    session.add(event)
    session.flush()
    log.info("complaint id %d re-routed from OPD id %d to %d", complaint.id, previous,
             target.id)
    return event


def add_note(session: Session, complaint_id: int, *, actor: Actor, note: str,
             is_public: bool = True, at: datetime | None = None,
             kind: str = "note") -> ComplaintEvent:
    """Add a progress note (or another non-status event) to the history."""
    note = _require_note(note, "catatan", "add a note")
    complaint = lock_complaint(session, complaint_id)
    event = ComplaintEvent(
        complaint_id=complaint.id, occurred_at=at or datetime.now(timezone.utc), kind=kind,
        actor_kind=actor.kind, actor_user_id=actor.user_id, actor_label=actor.label,
        note=note, is_public=is_public,
    )
    session.add(event)
    session.flush()
    return event
