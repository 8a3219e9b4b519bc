"""Turn categories and complaints into GeoReport v2 services and service requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geoalchemy2.shape import to_shape

from app.complaint_public import iso_in_zone
from app.config import City
from app.masking import mask_personal_numbers
from app.models import Category
from app.models import Complaint

# GeoReport v2 has two statuses, and each of ours maps onto one of them.
OPEN311_STATUS = {
    "menunggu": "open",
    "proses": "open",
    "selesai": "closed",
    "ditolak": "closed",
}


@dataclass(frozen=True)
class RequestExtras:
    """Facts about a complaint that come from its history and photos."""

    updated_at: datetime | None = None
    status_note: str | None = None
    photo_url: str | None = None


def category_name(category: Category, language: str) -> str:
    return category.name_en if language == "en" else category.name_id


def service_notice(category: Category, language: str) -> str:
    """Return how long the OPD has to finish a complaint of this category."""
    days = category.sla_working_days
    if language == "en":
        return f"Target: finished within {days} working days of receipt."
    return f"Target penyelesaian: {days} hari kerja sejak aduan diterima."


def service_record(category: Category, language: str) -> dict:
    """Describe a category as one GeoReport v2 service, an entry of services.json."""
    name = category_name(category, language)
    if language == "en":
        description = f"{name}. Handled by {category.opd.name}. " + service_notice(
            category, "en"
        )
        if category.location_required:
            description += " Needs lat and long."
    else:
        description = f"{name}. Ditangani oleh {category.opd.name}. " + service_notice(
            category, "id"
        )
        if category.location_required:
            description += " Wajib menyertakan lat dan long."
    return {
        "service_code": category.code,
        "service_name": name,
        "description": description,
        "metadata": False,
        "type": "realtime",
        "keywords": category.group_code,
        "group": category.group_code,
    }


def service_definition(category: Category) -> dict:
    """Describe a service for services/<code>.json; it has no extra attributes."""
    return {"service_code": category.code, "attributes": []}


def _address(complaint: Complaint, city: City) -> str | None:
    """Join the address note (unless confidential), the area names and the city name."""
    parts = []
    if complaint.address_note and not complaint.confidential:
        parts.append(mask_personal_numbers(complaint.address_note))
    for area in (complaint.area, complaint.parent_area):
        if area is not None:
            parts.append(area.name)
    if not parts:
        return None
    parts.append(city.name)
    return ", ".join(parts)


def request_record(
    complaint: Complaint, city: City, language: str, extras: RequestExtras
) -> dict:
    """Build one service request from the public fields of a complaint.

    Contact details never appear. The description, address note, status note
    and photo are withheld when the complaint is confidential, and personal
    numbers in the texts are masked.
    """
    point = to_shape(complaint.location) if complaint.location is not None else None
    category = complaint.category
    confidential = complaint.confidential
    updated = max(filter(None, (complaint.status_changed_at, extras.updated_at)))
    return {
        "service_request_id": complaint.tracking_code,
        "status": OPEN311_STATUS[complaint.status],
        "status_notes": None
        if confidential
        else mask_personal_numbers(extras.status_note),
        "service_name": category_name(category, language),
        "service_code": category.code,
        "description": None
        if confidential
        else mask_personal_numbers(complaint.description),
        "agency_responsible": complaint.opd.name,
        "service_notice": service_notice(category, language),
        "requested_datetime": iso_in_zone(complaint.received_at, city.timezone),
        "updated_datetime": iso_in_zone(updated, city.timezone),
        "expected_datetime": iso_in_zone(complaint.due_at, city.timezone),
        "address": _address(complaint, city),
        "address_id": None,
        "zipcode": None,
        "lat": round(point.y, 6) if point else None,
        "long": round(point.x, 6) if point else None,
        "media_url": None if confidential else extras.photo_url,
    }
