"""Open complaints past their due date, grouped by OPD."""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy.engine import Connection

from app.queries.tasks import find_overdue


@dataclass(frozen=True)
class OverdueTask:
    """An open complaint past its due date.

    Attributes:
        days_late: Whole calendar days since the due date (0 on the first day).
    """

    tracking_code: str
    status: str
    category_code: str
    category_name_id: str
    category_name_en: str
    kelurahan: str | None
    due_at: datetime
    days_late: int
    assigned: bool


@dataclass
class OverdueGroup:
    """The overdue complaints of one OPD, earliest due date first."""

    opd_code: str
    opd_name: str
    tasks: list[OverdueTask] = field(default_factory=list)


def overdue_by_opd(
    conn: Connection, city_code: str, now: datetime, opd_id: int | None = None
) -> list[OverdueGroup]:
    """List overdue open complaints per OPD (only one OPD when opd_id is given)."""
    groups: dict[str, OverdueGroup] = {}
    for row in find_overdue(conn, city_code, now, opd_id):
        group = groups.setdefault(
            row.opd_code, OverdueGroup(row.opd_code, row.opd_name)
        )
        group.tasks.append(
            OverdueTask(
                tracking_code=row.tracking_code,
                status=row.status,
                category_code=row.category_code,
                category_name_id=row.category_name_id,
                category_name_en=row.category_name_en,
                kelurahan=row.kelurahan,
                due_at=row.due_at,
                days_late=math.floor((now - row.due_at).total_seconds() / 86400),
                assigned=row.assigned_user_id is not None,
            )
        )
    return list(groups.values())
