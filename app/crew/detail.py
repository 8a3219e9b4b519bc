"""Everything the task page shows: the complaint, its contact, history and photos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import Staff
from app.crew.settings import result_photo_required
from app.crew.tasks import Task
from app.crew.tasks import task_from_row
from app.crew.work import TaskRef
from app.models import Complaint
from app.models import ComplaintContact
from app.models import ComplaintEvent
from app.models import ComplaintPhoto
from app.models import Opd
from app.models import StaffUser
from app.queries.tasks import find_tasks_by_id


@dataclass(frozen=True)
class TaskDetail:
    """A task with what a crew member needs on site.

    Attributes:
        contact: The reporter's contact, or None when none was given.
        events: The whole history, public and internal, oldest first.
        photos_by_event: Photos keyed by the id of the event that added them.
        crew_members: Usernames of the OPD's active crew, for assigning.
        opds: (code, short name) of the city's other active OPDs, for re-routing.
    """

    task: Task
    complaint: Complaint
    contact: ComplaintContact | None
    events: list[ComplaintEvent]
    photos_by_event: dict[int | None, list[ComplaintPhoto]]
    result_photo_required: bool
    crew_members: list[str]
    opds: list[tuple[str, str]]


def load_task_detail(
    session: Session, ref: TaskRef, staff: Staff, language: str
) -> TaskDetail:
    """Load a task the staff member may work on (checked by find_task_ref)."""
    complaint = session.get(Complaint, ref.id, populate_existing=True)
    row = find_tasks_by_id(session.connection(), [ref.id])[ref.id]
    events = session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == ref.id)
        .order_by(ComplaintEvent.occurred_at, ComplaintEvent.id)
    ).all()
    photos: dict[int | None, list[ComplaintPhoto]] = {}
    for photo in session.scalars(
        select(ComplaintPhoto)
        .where(ComplaintPhoto.complaint_id == ref.id)
        .order_by(ComplaintPhoto.id)
    ):
        photos.setdefault(photo.event_id, []).append(photo)
    return TaskDetail(
        task=task_from_row(row, staff, language, datetime.now(timezone.utc)),
        complaint=complaint,
        contact=session.get(ComplaintContact, ref.id),
        events=list(events),
        photos_by_event=photos,
        result_photo_required=result_photo_required(session, ref.opd_id),
        crew_members=_crew_members(session, ref.opd_id),
        opds=_other_opds(session, complaint),
    )


def _crew_members(session: Session, opd_id: int) -> list[str]:
    return list(
        session.scalars(
            select(StaffUser.username)
            .where(StaffUser.opd_id == opd_id, StaffUser.active.is_(True))
            .order_by(StaffUser.username)
        )
    )


def _other_opds(session: Session, complaint: Complaint) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Opd.code, Opd.short_name)
        .where(
            Opd.city_code == complaint.city_code,
            Opd.active.is_(True),
            Opd.id != complaint.opd_id,
        )
        .order_by(Opd.short_name)
    ).all()
    return [(row.code, row.short_name) for row in rows]
