"""SQL that finds who must act on a complaint at a point.

service_area_geom_gist serves the ST_Covers condition on service_area.geom.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# Highest priority first. At equal priority, an area for this category beats an
# area for every category, and the older area (lower id) wins a remaining tie.
FIND_SERVICE_AREA = text(
    """
    SELECT sa.id, sa.opd_id
    FROM service_area sa
    JOIN opd ON opd.id = sa.opd_id AND opd.active
    WHERE sa.city_code = :city
      AND sa.active
      AND (sa.category_id IS NULL OR sa.category_id = :category)
      AND ST_Covers(sa.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ORDER BY sa.priority DESC, (sa.category_id IS NULL), sa.id
    LIMIT 1
    """
)

FIND_KECAMATAN_OFFICE = text(
    """
    SELECT id FROM opd
    WHERE city_code = :city AND kecamatan_code = :kecamatan AND active
    ORDER BY id
    LIMIT 1
    """
)


def find_service_area(session: Session, city: str, category_id: int, lon: float,
                      lat: float):
    """Return (service_area_id, opd_id) of the area that decides for this point, or None."""
    return session.execute(
        FIND_SERVICE_AREA, {"city": city, "category": category_id, "lon": lon, "lat": lat}
    ).first()


def find_kecamatan_office(session: Session, city: str, kecamatan_code: str) -> int | None:
    """Return the id of the OPD that is the office of this kecamatan, or None."""
    return session.execute(
        FIND_KECAMATAN_OFFICE, {"city": city, "kecamatan": kecamatan_code}
    ).scalar()
