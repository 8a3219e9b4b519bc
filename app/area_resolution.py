"""Resolve a complaint flagged near_border: staff pick the kelurahan that is right."""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ApiError
from app.models import Area
from app.models import ComplaintEvent
from app.status import Actor
from app.status import lock_complaint

log = logging.getLogger(__name__)


def resolve_near_border(session: Session, complaint_id: int, area_code: str, *,
                        actor: Actor, at: datetime | None = None) -> ComplaintEvent:
    """Set the complaint's kelurahan to one of its candidates and close the flag.

    The chosen area must be the current one or a candidate listed in near_border,
    from the boundary version that routed the complaint. The OPD stays as routed;
    re-route separately when the other side belongs to another office.
    """
    complaint = lock_complaint(session, complaint_id)
    flag = complaint.near_border or {}
    allowed = {flag.get("chosen", {}).get("code")}
    allowed |= {candidate["code"] for candidate in flag.get("candidates", [])}
    if not flag or complaint.near_border_resolved_at is not None:
        raise ApiError(409, "not_near_border",
                       f"Aduan {complaint.tracking_code} tidak menunggu penentuan wilayah.",
                       f"Complaint {complaint.tracking_code} has no open area question.",
                       field="area", value=area_code)
    if area_code not in allowed:
        raise ApiError(400, "invalid_area",
                       f"Kelurahan {area_code!r} bukan salah satu pilihan: "
                       f"{', '.join(sorted(c for c in allowed if c))}.",
                       f"Area {area_code!r} is not one of the candidates: "
                       f"{', '.join(sorted(c for c in allowed if c))}.",
                       field="area", value=area_code)

    area = session.scalars(select(Area).where(
        Area.boundary_version_id == complaint.boundary_version_id,
        Area.code == area_code)).one()
    parent = session.scalars(select(Area).where(
        Area.boundary_version_id == complaint.boundary_version_id,
        Area.code == area.parent_code)).one_or_none() if area.parent_code else None
    previous = complaint.area.code if complaint.area else None
    at = at or datetime.now(timezone.utc)
    complaint.area_id = area.id
    complaint.parent_area_id = parent.id if parent else None
    complaint.near_border_resolved_at = at
    event = ComplaintEvent(
        complaint_id=complaint.id, occurred_at=at, kind="area_resolved",
        actor_kind=actor.kind, actor_user_id=actor.user_id, actor_label=actor.label,
        note=f"{previous} -> {area.code}", is_public=True,
    )
    session.add(event)
    session.flush()
    log.info("complaint id %d area resolved: %s -> %s", complaint.id, previous, area.code)
    return event
