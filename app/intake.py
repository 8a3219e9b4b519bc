"""Take in a complaint: check it, place it, route it, give it a due date, record it.

Everything happens in the caller's transaction, so a complaint is written whole
(complaint, contact, first history event, idempotency key) or not at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.config import City
from app.errors import ApiError
from app.intake_request import ComplaintRequest
from app.intake_request import parse_complaint_request  # noqa: F401 - re-exported
from app.locate import DEFAULT_UNCERTAINTY_M
from app.locate import Location
from app.locate import locate_points
from app.models import Category
from app.models import Complaint
from app.models import ComplaintContact
from app.models import ComplaintEvent
from app.models import IdempotencyKey
from app.routing import route_complaint
from app.workdays import DEFAULT_CUTI_BERSAMA_PATH
from app.workdays import WorkingCalendar

log = logging.getLogger(__name__)

TRACKING_PREFIX = "ADU"
IDEMPOTENCY_KEY_MAX = 200


@dataclass
class CreatedComplaint:
    """A stored complaint, the reporter's one-time token, and whether it was a replay."""

    complaint: Complaint
    reporter_token: str | None
    replayed: bool = False


@lru_cache(maxsize=8)
def working_calendar(timezone_name: str, country: str) -> WorkingCalendar:
    """Return the calendar of a city zone and country, built once and shared.

    The cuti bersama file lists Indonesian collective leave, so only Indonesian
    cities read it.
    """
    extra = DEFAULT_CUTI_BERSAMA_PATH if country == "ID" else None
    return WorkingCalendar(timezone=timezone_name, country=country,
                           extra_holidays_path=extra)


def hash_token(token: str) -> str:
    """SHA-256 of a reporter token; only the hash is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def find_category(session: Session, city: City, code: str) -> Category:
    category = session.scalars(
        select(Category).where(
            Category.city_code == city.code, Category.code == code, Category.active
        )
    ).one_or_none()
    if category is None:
        known = session.scalars(
            select(Category.code).where(Category.city_code == city.code, Category.active)
            .order_by(Category.code)
        ).all()
        raise ApiError(
            400, "unknown_category",
            f"Kategori {code!r} tidak dikenal. Pilih salah satu: {', '.join(known)}.",
            f"Unknown category {code!r}. Choose one of: {', '.join(known)}.",
            field="category", value=code,
        )
    return category


def create_complaint(
    session: Session,
    city: City,
    request: ComplaintRequest,
    *,
    channel: str = "api",
    idempotency_key: str | None = None,
    received_at: datetime | None = None,
    external_id: str | None = None,
) -> CreatedComplaint:
    """Store a new complaint routed to its OPD; the caller commits.

    Raises:
        ApiError: unknown category, missing or unusable location, reused
            idempotency key with another body.
    """
    if idempotency_key is not None:
        replay = _claim_idempotency_key(session, city, idempotency_key, request)
        if replay is not None:
            return replay

    category = find_category(session, city, request.category)
    point, location = _place(session, city, request, category)
    route = route_complaint(session, city.code, category, point, location)
    received_at = received_at or datetime.now(timezone.utc)
    calendar = working_calendar(city.timezone, city.holiday_country)
    token = secrets.token_urlsafe(24)

    complaint = Complaint(
        city_code=city.code,
        tracking_code=_next_tracking_code(session, city, received_at),
        category_id=category.id,
        description=request.description,
        address_note=request.address_note,
        confidential=request.confidential or category.private_by_nature,
        status="menunggu",
        location=from_shape(Point(point), srid=4326) if point else None,
        location_source=request.location_source if point else None,
        accuracy_m=request.accuracy_m if point else None,
        area_id=location.area.id if location and location.area else None,
        parent_area_id=location.parent_area.id if location and location.parent_area else None,
        area_match=location.match if location else None,
        area_distance_m=location.distance_m if location else None,
        near_border=_near_border(location),
        boundary_version_id=location.boundary_version_id if location else None,
        opd_id=route.opd_id,
        routing_rule=route.rule,
        service_area_id=route.service_area_id,
        channel=channel,
        external_id=external_id,
        received_at=received_at,
        status_changed_at=received_at,
        due_at=calendar.add_working_days(received_at, category.sla_working_days),
        reporter_token_hash=hash_token(token),
    )
    session.add(complaint)
    session.flush()
    _record_creation(session, complaint, request, received_at)
    if idempotency_key is not None:
        session.add(IdempotencyKey(city_code=city.code, key=idempotency_key,
                                   request_hash=_request_hash(request),
                                   complaint_id=complaint.id, reporter_token=token))
    session.flush()
    log.info("complaint %s (id %d) received: category %s, OPD id %d by %s",
             complaint.tracking_code, complaint.id, category.code, route.opd_id, route.rule)
    return CreatedComplaint(complaint, token)


def _record_creation(session, complaint, request, received_at) -> None:
    if request.has_contact:
        session.add(ComplaintContact(
            complaint_id=complaint.id, name=request.name, phone=request.phone,
            email=request.email, consent_at=received_at,
        ))
    session.add(ComplaintEvent(
        complaint_id=complaint.id, occurred_at=received_at, kind="created",
        actor_kind="citizen" if complaint.channel in ("web", "api", "open311") else "system",
        to_status="menunggu", to_opd_id=complaint.opd_id, note=complaint.routing_rule,
        is_public=True,
    ))


def _near_border(location: Location | None) -> dict | None:
    if location is None or not location.near_border or location.area is None:
        return None
    chosen = {"code": location.area.code, "name": location.area.name}
    return {"chosen": chosen, "candidates": location.near_border}


def _place(session, city, request, category):
    """Locate the point; reject a missing or outside location with a helpful message."""
    if not request.has_location:
        if category.location_required:
            raise ApiError(
                400, "location_required",
                f"Kategori {category.name_id} memerlukan lokasi. Tandai titik di peta.",
                f"The category {category.name_en} needs a location. Mark the point on the map.",
                field="lat",
            )
        return None, None

    point = (request.lon, request.lat)
    radius = request.accuracy_m if request.accuracy_m is not None else DEFAULT_UNCERTAINTY_M
    in_range = -90 <= request.lat <= 90 and -180 <= request.lon <= 180
    if in_range:
        [location] = locate_points(session.connection(), city, [point],
                                   near_radius_m=max(radius, DEFAULT_UNCERTAINTY_M))
        if not location.outside:
            return point, location
    raise _unusable_location(session, city, request, location if in_range else None)


def _unusable_location(session, city, request, location) -> ApiError:
    hint = coordinate_hint(session.connection(), city, request.lat, request.lon)
    if location is None:
        field = "lat" if not -90 <= request.lat <= 90 else "lon"
        value = request.lat if field == "lat" else request.lon
        limit = "-90..90" if field == "lat" else "-180..180"
        message_id = f"Nilai {field} {value} di luar rentang {limit}."
        message_en = f"The {field} value {value} is outside {limit}."
        status, code = 400, f"invalid_{field}"
    else:
        distance = _format_distance(location.distance_m)
        message_id = f"Titik ({request.lat}, {request.lon}) berada di luar {city.name}, " \
                     f"{distance.replace('.', ',')} dari batas kota. Pindahkan titik ke " \
                     "dalam kota."
        message_en = f"The point ({request.lat}, {request.lon}) lies outside {city.name}, " \
                     f"{distance} from the city boundary. Move the point inside the city."
        status, code, field, value = 422, "outside_city", "lat", request.lat
    if hint:
        message_id = f"{message_id} {hint[0]}"
        message_en = f"{message_en} {hint[1]}"
    details = {"distance_m": round(location.distance_m, 1)} if location else {}
    if hint:
        details["suggestion"] = hint[2]
    return ApiError(status, code, message_id, message_en, field=field, value=value,
                    details=details)


def coordinate_hint(conn, city, lat, lon):
    """Return (message_id, message_en, suggestion) when a common slip explains the point.

    The slips tried are swapped latitude and longitude, a latitude without its
    minus sign, and both at once. A slip counts when it lands inside the city.
    """
    slips = [
        ("swapped", lon, lat,
         "Sepertinya lintang (lat) dan bujur (lon) tertukar: titik "
         f"({lon}, {lat}) berada di dalam {city.name}.",
         f"Latitude and longitude look swapped: ({lon}, {lat}) lies inside {city.name}."),
        ("sign", -lat, lon,
         f"Sepertinya tanda minus pada lintang hilang: {city.name} berada di selatan "
         f"khatulistiwa, dan titik ({-lat}, {lon}) berada di dalamnya.",
         f"The latitude seems to lack its minus sign: ({-lat}, {lon}) lies inside "
         f"{city.name}."),
        ("swapped_sign", -lon, lat,
         "Sepertinya lintang dan bujur tertukar dan tanda minus hilang: titik "
         f"({-lon}, {lat}) berada di dalam {city.name}.",
         f"Latitude and longitude look swapped and the minus sign lost: ({-lon}, {lat}) "
         f"lies inside {city.name}."),
    ]
    usable = [s for s in slips if -90 <= s[1] <= 90 and -180 <= s[2] <= 180
              and (s[1], s[2]) != (lat, lon)]
    if not usable:
        return None
    located = locate_points(conn, city, [(s[2], s[1]) for s in usable], near_radius_m=0)
    for slip, location in zip(usable, located):
        if not location.outside:
            return slip[3], slip[4], {"kind": slip[0], "lat": slip[1], "lon": slip[2]}
    return None


def _format_distance(distance_m: float) -> str:
    if distance_m < 1000:
        return f"{distance_m:.0f} m"
    return f"{distance_m / 1000:.1f} km"


def _next_tracking_code(session: Session, city: City, received_at: datetime) -> str:
    """ADU-<year>-<n>: n counts the city's complaints of that year, from 1."""
    year = received_at.astimezone(ZoneInfo(city.timezone)).year
    number = session.execute(
        text(
            """
            INSERT INTO tracking_counter (city_code, year, last_value)
            VALUES (:city, :year, 1)
            ON CONFLICT (city_code, year)
            DO UPDATE SET last_value = tracking_counter.last_value + 1
            RETURNING last_value
            """
        ),
        {"city": city.code, "year": year},
    ).scalar_one()
    return f"{TRACKING_PREFIX}-{year}-{number:06d}"


def _request_hash(request: ComplaintRequest) -> str:
    canonical = json.dumps(request.__dict__, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_idempotency_key(key: str) -> str:
    """Reject keys that are empty, too long or not printable ASCII."""
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise ApiError(
            400, "invalid_idempotency_key",
            f"Header Idempotency-Key harus 1-{IDEMPOTENCY_KEY_MAX} karakter ASCII yang "
            "dapat dicetak, misalnya sebuah UUID.",
            f"The Idempotency-Key header must be 1-{IDEMPOTENCY_KEY_MAX} printable ASCII "
            "characters, for example a UUID.",
            field="Idempotency-Key",
        )
    return key


def _claim_idempotency_key(session, city, key, request) -> CreatedComplaint | None:
    """Serialise requests with the same key; return what a replay must return again.

    The transaction-scoped advisory lock makes a second request with the same key
    wait until the first commits, after which it reads the stored key.
    """
    check_idempotency_key(key)
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                    {"k": f"{city.code}\x1f{key}"})
    # The reporter token is kept beside the key for a day only.
    session.execute(text(
        "UPDATE idempotency_key SET reporter_token = NULL WHERE reporter_token IS NOT NULL "
        "AND created_at < now() - interval '1 day'"))
    stored = session.get(IdempotencyKey, (city.code, key))
    if stored is None:
        return None
    if stored.request_hash != _request_hash(request):
        raise ApiError(
            422, "idempotency_key_reused",
            "Idempotency-Key ini sudah dipakai untuk aduan lain. Gunakan kunci baru.",
            "This Idempotency-Key was used for a different complaint. Use a new key.",
            field="Idempotency-Key",
        )
    log.info("idempotent replay of complaint id %d", stored.complaint_id)
    complaint = session.get(Complaint, stored.complaint_id)
    return CreatedComplaint(complaint, stored.reporter_token, replayed=True)
