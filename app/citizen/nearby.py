"""Open complaints near a point, offered for support before a duplicate is filed."""

from __future__ import annotations

import math
from datetime import datetime
from datetime import timezone

from flask import url_for
from flask_babel import format_timedelta
from sqlalchemy.engine import Connection

from app.citizen.settings import NEARBY_LIMIT
from app.citizen.settings import NEARBY_RADIUS_M
from app.citizen.settings import NEARBY_UNCERTAINTY_MAX_M
from app.complaint_public import STATUS_LABELS
from app.complaint_public import iso_in_zone
from app.config import City
from app.masking import mask_personal_numbers
from app.queries.nearby import NearbyComplaint
from app.queries.nearby import find_nearby_open
from app.queries.nearby import find_photos

# Maximum length of the description excerpt in the list of nearby complaints.
EXCERPT_MAX = 200


def search_radius_m(accuracy_m: float | None) -> float:
    """Return the duplicate search radius: 50 m, widened by the uncertainty.

    The uncertainty counts up to NEARBY_UNCERTAINTY_MAX_M, so a coarse fix
    (a phone without GPS can report 2 km) does not list half a kecamatan.
    """
    if accuracy_m is None or not math.isfinite(accuracy_m) or accuracy_m < 0:
        return NEARBY_RADIUS_M
    return NEARBY_RADIUS_M + min(accuracy_m, NEARBY_UNCERTAINTY_MAX_M)


def nearby_complaints(
    conn: Connection,
    city: City,
    category_code: str,
    lat: float,
    lon: float,
    accuracy_m: float | None,
    language: str,
) -> dict:
    """Build the reply of GET /api/nearby: the radius used and the complaints found."""
    radius_m = search_radius_m(accuracy_m)
    found = find_nearby_open(
        conn, city.code, category_code, lon, lat, radius_m, NEARBY_LIMIT
    )
    visible = [item.id for item in found if not item.confidential]
    photos: dict[int, list[str]] = {}
    for photo in find_photos(conn, visible, ("report",)):
        photos.setdefault(photo.complaint_id, []).append(
            url_for("citizen.photo", name=photo.stored_name)
        )
    now = datetime.now(timezone.utc)
    return {
        "radius_m": radius_m,
        "items": [_item(item, city, language, photos, now) for item in found],
    }


def _item(item: NearbyComplaint, city: City, language: str, photos: dict,
          now: datetime) -> dict:
    return {
        "tracking_code": item.tracking_code,
        "status": item.status,
        "status_label": STATUS_LABELS[item.status][1 if language == "en" else 0],
        "distance_m": round(item.distance_m, 1),
        "received_at": iso_in_zone(item.received_at, city.timezone),
        "age": format_timedelta(item.received_at - now, add_direction=True),
        "description": None if item.confidential else _excerpt(item.description),
        "confidential": item.confidential,
        "support_count": item.support_count,
        "lat": round(item.lat, 6),
        "lon": round(item.lon, 6),
        "photos": photos.get(item.id, []),
        "url": url_for("citizen.status", code=item.tracking_code),
    }


def _excerpt(description: str) -> str:
    text = mask_personal_numbers(description) or ""
    if len(text) <= EXCERPT_MAX:
        return text
    return text[: EXCERPT_MAX - 1].rstrip() + "…"
