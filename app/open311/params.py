"""Parse the query parameters and form fields of Open311 GeoReport v2 requests."""

from __future__ import annotations

import math
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from app.errors import ApiError
from app.intake_request import ComplaintRequest
from app.intake_request import parse_complaint_request
from app.open311.queries import RequestQuery

# GeoReport v2: a search spans at most 90 days and returns at most 1000 requests.
MAX_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000

OPEN311_STATUSES = {
    "open": ("menunggu", "proses"),
    "closed": ("selesai", "ditolak"),
}
NAME_PARTS = ("first_name", "last_name")


def _invalid(param: str, value: str, message_id: str, message_en: str) -> ApiError:
    return ApiError(
        400, f"invalid_{param}", message_id, message_en, field=param, value=value[:100]
    )


def reject_nul(values, where: str) -> None:
    """Reject a NUL character in any value, because PostgreSQL text cannot store it."""
    for name, value in values:
        if isinstance(value, str) and "\x00" in value:
            name = name[:40]
            raise ApiError(
                400,
                f"invalid_{name}",
                f"Nilai {name} berisi karakter NUL yang tidak diizinkan.",
                f"The {where} {name} contains a forbidden NUL character.",
                field=name,
            )


def comma_list(raw: str | None) -> list[str]:
    """Split a comma-delimited parameter and drop empty parts."""
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def requested_ids(args) -> list[str]:
    """Return the service_request_id list, which overrides every other filter."""
    ids = comma_list(args.get("service_request_id"))
    if len(ids) > MAX_REQUESTS:
        raise _invalid(
            "service_request_id",
            f"{len(ids)} ids",
            f"Paling banyak {MAX_REQUESTS} service_request_id per permintaan.",
            f"At most {MAX_REQUESTS} service_request_id values per request.",
        )
    return ids


def _w3c_instant(param: str, raw: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """Parse a W3C date-time; a bare date means the whole day in the city's zone.

    A time without an offset is read in the city's zone too.
    """
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            if end:
                day += timedelta(days=1)
            return datetime.combine(day, time(), tzinfo=zone)
        instant = datetime.fromisoformat(
            raw.replace("Z", "+00:00").replace("z", "+00:00")
        )
    except ValueError:
        raise _invalid(
            param,
            raw,
            f"{param} harus tanggal/waktu W3C, misalnya 2026-01-01T00:00:00+07:00.",
            f"{param} must be a W3C date-time, for example 2010-01-01T00:00:00Z.",
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone)
    # end_date is inclusive; the query compares with `<`.
    return instant + timedelta(microseconds=1) if end else instant


def _date_range(args, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    try:
        return _bounded_range(args, zone, now)
    except OverflowError:
        raise _invalid(
            "start_date",
            f"{args.get('start_date')}..{args.get('end_date')}",
            "Rentang tanggal di luar kalender yang didukung (tahun 1 sampai 9999).",
            "The date range leaves the supported calendar (years 1 to 9999).",
        ) from None


def _bounded_range(args, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    raw_start, raw_end = args.get("start_date"), args.get("end_date")
    start = (
        _w3c_instant("start_date", raw_start, zone, end=False) if raw_start else None
    )
    end = _w3c_instant("end_date", raw_end, zone, end=True) if raw_end else None
    if start is None and end is None:
        return now - MAX_SPAN, now + timedelta(seconds=1)
    if end is None:
        return start, start + MAX_SPAN
    if start is None:
        return end - MAX_SPAN, end
    if end <= start:
        raise _invalid(
            "end_date",
            raw_end,
            "end_date harus sesudah start_date.",
            "end_date must come after start_date.",
        )
    if end - start > MAX_SPAN + timedelta(microseconds=1):
        raise _invalid(
            "end_date",
            raw_end,
            "Rentang start_date sampai end_date paling lama 90 hari.",
            "The range from start_date to end_date may span at most 90 days.",
        )
    return start, end


def parse_request_query(args, timezone: str, now: datetime) -> RequestQuery:
    """Read service_code, start_date, end_date and status of GET requests."""
    statuses: list[str] = []
    for status in comma_list(args.get("status")):
        if status.lower() not in OPEN311_STATUSES:
            raise _invalid(
                "status",
                status,
                "status harus open atau closed.",
                "status must be open or closed.",
            )
        statuses.extend(OPEN311_STATUSES[status.lower()])
    received_from, received_before = _date_range(args, ZoneInfo(timezone), now)
    return RequestQuery(
        received_from=received_from,
        received_before=received_before,
        service_codes=tuple(comma_list(args.get("service_code"))),
        statuses=tuple(dict.fromkeys(statuses)),
        limit=MAX_REQUESTS,
    )


def _coordinate(form, param: str) -> float | None:
    raw = (form.get(param) or "").strip()
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise _invalid(
            param,
            raw,
            f"Nilai {param} {raw!r} bukan angka desimal, misalnya -6.17.",
            f"The {param} value {raw!r} is not a decimal number, for example -6.17.",
        )
    return number


def _optional(form, param: str) -> str | None:
    value = form.get(param)
    return value if value is not None and value.strip() else None


def parse_post(form) -> ComplaintRequest:
    """Turn the form of POST requests into a checked complaint.

    The GeoReport fields map onto intake: service_code -> category, long -> lon,
    address_string -> address_note, first_name and last_name -> name. Sending
    contact details through a client counts as consent to their use.

    Raises:
        ApiError: a field is missing or invalid (400).
    """
    service_code = (form.get("service_code") or "").strip()
    if not service_code:
        raise ApiError(
            400,
            "missing_service_code",
            "service_code wajib diisi; lihat services.json untuk daftarnya.",
            "service_code is required; services.json lists the codes.",
            field="service_code",
        )
    lat, lon = _coordinate(form, "lat"), _coordinate(form, "long")
    if (lat is None) != (lon is None):
        missing = "lat" if lat is None else "long"
        raise ApiError(
            400,
            "incomplete_location",
            "Isi lat dan long bersama-sama, atau kosongkan keduanya.",
            "Give both lat and long, or neither.",
            field=missing,
        )
    name = " ".join(
        part.strip() for part in (form.get(p) or "" for p in NAME_PARTS) if part.strip()
    )
    body = {
        "category": service_code,
        "description": form.get("description"),
        "lat": lat,
        "lon": lon,
        "address_note": _optional(form, "address_string"),
        "name": name or None,
        "phone": _optional(form, "phone"),
        "email": _optional(form, "email"),
    }
    body = {key: value for key, value in body.items() if value is not None}
    body["consent"] = bool(body.get("name") or body.get("phone") or body.get("email"))
    return parse_complaint_request(body)
