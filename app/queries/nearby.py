"""SQL that finds open complaints of one category near a point, to prevent duplicates.

Distances are measured on the spheroid (geography). The first ST_DWithin, on
geometry in degrees, lets the GiST index complaint_location_gist cut the
candidates before the exact test. Its radius is widened by 1/cos(latitude), so it
never cuts a complaint that the exact test would keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.models import OPEN_STATUSES

FIND_NEARBY_OPEN = text(
    """
    WITH here AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom)
    SELECT c.id, c.tracking_code, c.status, c.received_at, c.description,
           c.confidential, c.support_count,
           ST_Y(c.location) AS lat, ST_X(c.location) AS lon,
           ST_Distance(c.location::geography, here.geom::geography) AS distance_m
    FROM complaint c
    CROSS JOIN here
    JOIN category k ON k.id = c.category_id
    WHERE c.city_code = :city
      AND k.code = :category
      AND c.status = ANY(CAST(:statuses AS text[]))
      AND ST_DWithin(
              c.location, here.geom,
              :radius_m / 110000.0 / greatest(cos(radians(:lat)), 0.01))
      AND ST_DWithin(c.location::geography, here.geom::geography, :radius_m)
    ORDER BY distance_m, c.id
    LIMIT :limit
    """
)

# complaint_photo_complaint serves the complaint_id condition.
FIND_PHOTOS = text(
    """
    SELECT complaint_id, event_id, stored_name, kind, width, height, created_at
    FROM complaint_photo
    WHERE complaint_id = ANY(CAST(:ids AS bigint[]))
      AND kind = ANY(CAST(:kinds AS text[]))
    ORDER BY complaint_id, id
    """
)


@dataclass(frozen=True)
class NearbyComplaint:
    """An open complaint close to a point, with its distance from it in metres."""

    id: int
    tracking_code: str
    status: str
    received_at: datetime
    description: str
    confidential: bool
    support_count: int
    lat: float
    lon: float
    distance_m: float


@dataclass(frozen=True)
class PhotoRow:
    """One stored photo of a complaint."""

    complaint_id: int
    event_id: int | None
    stored_name: str
    kind: str
    width: int
    height: int
    created_at: datetime


def find_nearby_open(
    conn: Connection,
    city_code: str,
    category_code: str,
    lon: float,
    lat: float,
    radius_m: float,
    limit: int = 10,
) -> list[NearbyComplaint]:
    """Find open complaints of a category within radius_m metres of a point.

    Args:
        conn: Database connection.
        city_code: The city whose complaints are searched.
        category_code: Category code, such as ``jalan-rusak``.
        lon: Longitude of the point (EPSG:4326).
        lat: Latitude of the point (EPSG:4326).
        radius_m: Search radius in metres.
        limit: Maximum number of complaints returned.

    Returns:
        The complaints, nearest first.
    """
    rows = conn.execute(
        FIND_NEARBY_OPEN,
        {
            "city": city_code,
            "category": category_code,
            "statuses": list(OPEN_STATUSES),
            "lon": lon,
            "lat": lat,
            "radius_m": radius_m,
            "limit": limit,
        },
    ).all()
    return [NearbyComplaint(*row) for row in rows]


def find_photos(
    conn: Connection, complaint_ids: Sequence[int], kinds: Sequence[str]
) -> list[PhotoRow]:
    """List the photos of the given kinds (report, progress, result) of complaints."""
    if not complaint_ids:
        return []
    rows = conn.execute(
        FIND_PHOTOS, {"ids": list(complaint_ids), "kinds": list(kinds)}
    ).all()
    return [PhotoRow(*row) for row in rows]
