"""Queries behind the Open311 endpoints: services, service requests, their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.orm import defer
from sqlalchemy.orm import joinedload

from app.models import Area
from app.models import Category
from app.models import Complaint


@dataclass(frozen=True)
class RequestQuery:
    """Filters of GET requests; every bound is on complaint.received_at."""

    received_from: datetime
    received_before: datetime
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    limit: int = 1000


# A service request needs the names of its areas, not their outlines, which are
# large and would otherwise load with every complaint.
WITHOUT_AREA_OUTLINES = (
    joinedload(Complaint.area).options(defer(Area.geom)),
    joinedload(Complaint.parent_area).options(defer(Area.geom)),
)

# Kinds of history events whose public note a client may show as status_notes.
NOTE_KINDS = ["status", "reopen", "reroute", "note"]

# The latest public event, and the latest public note, per complaint; the index
# complaint_event_complaint (complaint_id, id) serves both.
FIND_HISTORY = text(
    """
    SELECT c.id,
           (SELECT max(e.occurred_at) FROM complaint_event e
             WHERE e.complaint_id = c.id AND e.is_public) AS updated_at,
           (SELECT e.note FROM complaint_event e
             WHERE e.complaint_id = c.id AND e.is_public AND e.note IS NOT NULL
               AND e.kind = ANY(:kinds)
             ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) AS status_note
    FROM unnest(CAST(:ids AS bigint[])) AS c(id)
    """
)

# The first photo a reporter sent with each complaint.
FIND_REPORT_PHOTOS = text(
    """
    SELECT DISTINCT ON (complaint_id) complaint_id, stored_name
    FROM complaint_photo
    WHERE complaint_id = ANY(CAST(:ids AS bigint[])) AND kind = 'report'
    ORDER BY complaint_id, id
    """
)


def find_services(session: Session, city_code: str) -> list[Category]:
    """Active categories of the city, by group and code."""
    return list(
        session.scalars(
            select(Category)
            .where(Category.city_code == city_code, Category.active)
            .order_by(Category.group_code, Category.code)
        ).all()
    )


def find_service(session: Session, city_code: str, code: str) -> Category | None:
    return session.scalars(
        select(Category).where(
            Category.city_code == city_code, Category.code == code, Category.active
        )
    ).one_or_none()


def find_requests_by_id(
    session: Session, city_code: str, tracking_codes: Sequence[str]
) -> list[Complaint]:
    """Complaints with these tracking codes, newest first; unknown codes are skipped."""
    codes = [code.strip().upper() for code in tracking_codes]
    return list(
        session.scalars(
            select(Complaint)
            .options(*WITHOUT_AREA_OUTLINES)
            .where(Complaint.city_code == city_code, Complaint.tracking_code.in_(codes))
            .order_by(Complaint.received_at.desc(), Complaint.id.desc())
        )
        .unique()
        .all()
    )


def find_requests(
    session: Session, city_code: str, query: RequestQuery
) -> list[Complaint]:
    """Complaints received in [received_from, received_before), newest first."""
    statement = (
        select(Complaint)
        .options(*WITHOUT_AREA_OUTLINES)
        .where(
            Complaint.city_code == city_code,
            Complaint.received_at >= query.received_from,
            Complaint.received_at < query.received_before,
        )
    )
    if query.service_codes:
        statement = statement.join(
            Category, Category.id == Complaint.category_id
        ).where(Category.code.in_(query.service_codes))
    if query.statuses:
        statement = statement.where(Complaint.status.in_(query.statuses))
    statement = statement.order_by(Complaint.received_at.desc(), Complaint.id.desc())
    return list(session.scalars(statement.limit(query.limit)).unique().all())


def find_history(session: Session, complaint_ids: Sequence[int]) -> dict[int, tuple]:
    """Map complaint id to (time of the latest public event, latest public note)."""
    if not complaint_ids:
        return {}
    rows = session.execute(
        FIND_HISTORY, {"ids": list(complaint_ids), "kinds": NOTE_KINDS}
    )
    return {row.id: (row.updated_at, row.status_note) for row in rows}


def find_report_photos(
    session: Session, complaint_ids: Sequence[int]
) -> dict[int, str]:
    """Map complaint id to the stored name of the reporter's first photo."""
    if not complaint_ids:
        return {}
    rows = session.execute(FIND_REPORT_PHOTOS, {"ids": list(complaint_ids)})
    return {row.complaint_id: row.stored_name for row in rows}
