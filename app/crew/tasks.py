"""A crew's view of open complaints: the task record, its JSON and the nearest list."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

from sqlalchemy.engine import Connection

from app.auth import Staff
from app.complaint_public import iso_in_zone
from app.config import City
from app.crew.nearest import find_nearest_tasks
from app.crew.params import TaskQuery
from app.models import OPEN_STATUSES
from app.queries.tasks import TaskFilter
from app.queries.tasks import find_tasks_by_id


@dataclass(frozen=True)
class Task:
    """An open complaint as the crew pages show it in lists and on maps.

    Attributes:
        distance_m: Geodesic distance from the crew's position, if one is known.
        age_days: Whole days since the complaint was received.
    """

    id: int
    tracking_code: str
    lat: float
    lon: float
    status: str
    category_code: str
    category_name: str
    kelurahan: str | None
    kecamatan: str | None
    opd_code: str
    received_at: datetime
    due_at: datetime
    age_days: int
    overdue: bool
    support_count: int
    assigned_to_me: bool
    assigned: bool
    distance_m: float | None = None


def task_from_row(
    row, staff: Staff, language: str, now: datetime, distance_m: float | None = None
) -> Task:
    """Build a Task from a row of app.queries.tasks (the _TASK_COLUMNS)."""
    english = language == "en"
    return Task(
        id=row.id,
        tracking_code=row.tracking_code,
        lat=row.lat,
        lon=row.lon,
        status=row.status,
        category_code=row.category_code,
        category_name=row.category_name_en if english else row.category_name_id,
        kelurahan=row.kelurahan,
        kecamatan=row.kecamatan,
        opd_code=row.opd_code,
        received_at=row.received_at,
        due_at=row.due_at,
        age_days=max(0, math.floor((now - row.received_at).total_seconds() / 86400)),
        overdue=row.status in OPEN_STATUSES and row.due_at < now,
        support_count=row.support_count,
        assigned_to_me=row.assigned_user_id == staff.id,
        assigned=row.assigned_user_id is not None,
        distance_m=distance_m,
    )


def task_json(task: Task, city: City) -> dict:
    """Return the JSON object of a task in the crew API."""
    return {
        "tracking_code": task.tracking_code,
        "lat": round(task.lat, 6),
        "lon": round(task.lon, 6),
        "distance_m": None if task.distance_m is None else round(task.distance_m, 1),
        "status": task.status,
        "category": {"code": task.category_code, "name": task.category_name},
        "kelurahan": task.kelurahan,
        "kecamatan": task.kecamatan,
        "opd": task.opd_code,
        "received_at": iso_in_zone(task.received_at, city.timezone),
        "due_at": iso_in_zone(task.due_at, city.timezone),
        "age_days": task.age_days,
        "overdue": task.overdue,
        "support_count": task.support_count,
        "assigned_to_me": task.assigned_to_me,
        "assigned": task.assigned,
    }


def task_filter(staff: Staff, city: City, query: TaskQuery) -> TaskFilter:
    """Limit a task query to the staff member's OPD (every OPD for admin)."""
    return TaskFilter(
        city_code=city.code,
        opd_id=staff.opd_scope,
        statuses=query.statuses,
        category=query.category,
    )


def list_nearest(
    conn: Connection, staff: Staff, city: City, query: TaskQuery, language: str
) -> tuple[list[Task], int]:
    """Return one page of the staff member's open tasks nearest first, and the total."""
    found = find_nearest_tasks(
        conn,
        task_filter(staff, city, query),
        query.lon,
        query.lat,
        radius_m=query.radius_m,
        page=query.page,
        limit=query.limit,
    )
    rows = find_tasks_by_id(conn, [candidate.id for candidate in found.candidates])
    now = datetime.now(timezone.utc)
    tasks = [
        task_from_row(rows[c.id], staff, language, now, distance_m=c.distance_m)
        for c in found.candidates
    ]
    return tasks, found.total
