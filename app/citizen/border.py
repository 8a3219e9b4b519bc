"""Let the reporter choose on which side of a nearby border the problem lies.

A point within its uncertainty of another kelurahan is filed with the kelurahan
that contains it and a near_border record of the alternatives. The reporter
knows the place, so their answer settles the kelurahan through
app.area_resolution, as staff would, and, because nobody has acted on the
complaint yet, also re-routes it when the rules give another OPD there.
"""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timezone

from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from app.area_resolution import resolve_near_border
from app.citizen.reporter import check_reporter_token
from app.errors import ApiError
from app.locate import Location
from app.models import Area
from app.models import Complaint
from app.models import ComplaintEvent
from app.queries.areas import AreaRow
from app.routing import route_complaint
from app.status import Actor
from app.status import lock_complaint

log = logging.getLogger(__name__)


def resolve_area(
    session: Session,
    complaint_id: int,
    *,
    token: str | None,
    area_code: object,
    at: datetime | None = None,
) -> ComplaintEvent:
    """Record the reporter's choice among the kelurahan near the complaint's point.

    The caller commits.

    Returns:
        The area_resolved event.

    Raises:
        ApiError: 403 for a wrong token. 400 for a code that is not one of
            the offered kelurahan. 409 when no border question is open or the
            complaint is no longer menunggu.
    """
    complaint = lock_complaint(session, complaint_id)
    check_reporter_token(complaint, token)
    _require_menunggu(complaint)
    if not isinstance(area_code, str):
        area_code = ""

    at = at or datetime.now(timezone.utc)
    event = resolve_near_border(session, complaint.id, area_code,
                                actor=Actor("citizen"), at=at)
    session.refresh(complaint)
    _reroute_for_area(session, complaint, at)
    return event


def _require_menunggu(complaint: Complaint) -> None:
    if complaint.status != "menunggu":
        code = complaint.tracking_code
        raise ApiError(
            409, "complaint_in_progress",
            f"Aduan {code} sudah ditangani; wilayahnya tidak dapat diubah lagi.",
            f"Complaint {code} is being handled; its area can no longer change.",
            field="area", value=complaint.status,
        )


def _reroute_for_area(session: Session, complaint: Complaint, at: datetime) -> None:
    """Apply the routing rules to the settled area; record a change of OPD."""
    point = to_shape(complaint.location)
    location = Location(
        boundary_version_id=complaint.boundary_version_id,
        match=complaint.area_match or "boundary",
        distance_m=None,
        area=_row(complaint.area),
        parent_area=_row(complaint.parent_area) if complaint.parent_area else None,
    )
    route = route_complaint(
        session, complaint.city_code, complaint.category, (point.x, point.y), location
    )
    if route.opd_id == complaint.opd_id:
        return

    previous = complaint.opd_id
    complaint.opd_id = route.opd_id
    complaint.routing_rule = route.rule
    complaint.service_area_id = route.service_area_id
    session.add(ComplaintEvent(
        complaint_id=complaint.id, occurred_at=at, kind="reroute", actor_kind="system",
        from_opd_id=previous, to_opd_id=route.opd_id, from_status=complaint.status,
        to_status=complaint.status, note=complaint.area.name, is_public=True,
    ))
    session.flush()
    log.info("complaint id %d re-routed from OPD id %d to %d after the reporter's "
             "area answer", complaint.id, previous, route.opd_id)


def _row(area: Area) -> AreaRow:
    return AreaRow(area.id, area.code, area.name, area.level, area.rank,
                   area.parent_code)
