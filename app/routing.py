"""Decide which OPD must act on a complaint, and record which rule decided."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.locate import Location
from app.models import Category
from app.queries.routing import find_kecamatan_office
from app.queries.routing import find_service_area

RULE_SERVICE_AREA = "service_area"
RULE_KECAMATAN_OFFICE = "kecamatan_office"
RULE_CATEGORY_DEFAULT = "category_default"
RULE_MANUAL = "manual"


@dataclass(frozen=True)
class Route:
    """The OPD chosen for a complaint and the rule that chose it."""

    opd_id: int
    rule: str
    service_area_id: int | None = None


def route_complaint(
    session: Session,
    city_code: str,
    category: Category,
    point: tuple[float, float] | None,
    location: Location | None,
) -> Route:
    """Apply the routing rules in order: service area, kecamatan office, category default.

    A service area polygon that covers the point overrides the others. For a
    category marked route_to_kecamatan, the office of the point's kecamatan acts.
    Otherwise, and for complaints without a location, the category's OPD acts.
    """
    if point is not None:
        lon, lat = point
        hit = find_service_area(session, city_code, category.id, lon, lat)
        if hit is not None:
            return Route(hit.opd_id, RULE_SERVICE_AREA, hit.id)
        kecamatan = location.parent_area if location else None
        if category.route_to_kecamatan and kecamatan is not None:
            office = find_kecamatan_office(session, city_code, kecamatan.code)
            if office is not None:
                return Route(office, RULE_KECAMATAN_OFFICE)
    return Route(category.opd_id, RULE_CATEGORY_DEFAULT)
