"""The public view of a complaint: what anyone may see, with personal numbers masked."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape

from app.config import City
from app.masking import mask_personal_numbers
from app.models import Complaint

STATUS_LABELS = {
    "menunggu": ("Menunggu", "Waiting"),
    "proses": ("Proses", "In progress"),
    "selesai": ("Selesai", "Done"),
    "ditolak": ("Ditolak", "Rejected"),
}


def iso_in_zone(instant: datetime | None, zone: str) -> str | None:
    """ISO 8601 in the city's zone, with its offset (e.g. 2026-03-01T08:00:00+07:00)."""
    if instant is None:
        return None
    return instant.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def _area(area) -> dict | None:
    return {"code": area.code, "name": area.name} if area is not None else None


def public_complaint(complaint: Complaint, language: str, city: City) -> dict:
    """Public fields of a complaint; description withheld when confidential.

    Contact details, reporter tokens, staff names and assignment never appear here.
    """
    english = language == "en"
    point = to_shape(complaint.location) if complaint.location is not None else None
    category = complaint.category
    areas = {city.leaf_level.key: _area(complaint.area)}
    if city.parent_level is not None:
        areas = {city.parent_level.key: _area(complaint.parent_area), **areas}
    now = datetime.now(timezone.utc)
    return {
        "tracking_code": complaint.tracking_code,
        "status": complaint.status,
        "status_label": STATUS_LABELS[complaint.status][1 if english else 0],
        "category": {
            "code": category.code,
            "name": category.name_en if english else category.name_id,
            "group": category.group_code,
        },
        "description": None if complaint.confidential
        else mask_personal_numbers(complaint.description),
        "confidential": complaint.confidential,
        "address_note": None if complaint.confidential
        else mask_personal_numbers(complaint.address_note),
        "lat": round(point.y, 6) if point else None,
        "lon": round(point.x, 6) if point else None,
        "location_source": complaint.location_source,
        "accuracy_m": complaint.accuracy_m,
        **areas,
        "area_match": complaint.area_match,
        "near_border": bool(complaint.near_border) and complaint.near_border_resolved_at is None,
        "opd": {
            "code": complaint.opd.code,
            "name": complaint.opd.name,
            "short_name": complaint.opd.short_name,
        },
        "received_at": iso_in_zone(complaint.received_at, city.timezone),
        "due_at": iso_in_zone(complaint.due_at, city.timezone),
        "overdue": complaint.status in ("menunggu", "proses") and complaint.due_at < now,
        "finished_at": iso_in_zone(complaint.finished_at, city.timezone),
        "status_changed_at": iso_in_zone(complaint.status_changed_at, city.timezone),
        "support_count": complaint.support_count,
        "reopen_count": complaint.reopen_count,
        "confirmed_at": iso_in_zone(complaint.confirmed_at, city.timezone),
        "rating": complaint.rating,
    }
