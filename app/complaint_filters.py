"""Parse the public filters and paging of complaint lists, maps and exports."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from app.errors import ApiError
from app.models import STATUSES

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100


@dataclass(frozen=True)
class ComplaintFilters:
    """Filters shared by GET /api/complaints and the maps and exports built on it."""

    category: str | None = None
    status: tuple[str, ...] = ()
    opd: str | None = None
    kecamatan: str | None = None
    kelurahan: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None


def _bad(param: str, value: str, message_id: str, message_en: str) -> ApiError:
    return ApiError(400, f"invalid_{param}", f"Parameter {param}={value!r} tidak valid: "
                    f"{message_id}", f"The parameter {param}={value!r} is invalid: "
                    f"{message_en}", field=param, value=value)


def _instant(param: str, raw: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """Parse a date or time; a date means the whole day in the city's zone.

    For `to` the whole day is included.
    """
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            if end:
                day += timedelta(days=1)
            return datetime.combine(day, time(), tzinfo=zone)
        instant = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(param, raw, "tulis tanggal YYYY-MM-DD atau waktu ISO 8601.",
                   "write a date YYYY-MM-DD or an ISO 8601 time.") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=zone)


def _bbox(raw: str) -> tuple[float, float, float, float]:
    parts = raw.split(",")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        west = math.nan
    if len(parts) != 4 or not all(math.isfinite(v) for v in (west,)) or not (
        -180 <= west < east <= 180 and -90 <= south < north <= 90
    ):
        raise _bad("bbox", raw, "tulis bujur_barat,lintang_selatan,bujur_timur,"
                   "lintang_utara, misalnya 106.6,-6.25,106.7,-6.15.",
                   "write west,south,east,north in degrees, e.g. 106.6,-6.25,106.7,-6.15.")
    return west, south, east, north


def parse_filters(args, timezone: str) -> ComplaintFilters:
    """Read filters from query parameters; raise ApiError naming a bad parameter."""
    zone = ZoneInfo(timezone)
    statuses = tuple(s for s in (args.get("status") or "").split(",") if s)
    for status in statuses:
        if status not in STATUSES:
            raise _bad("status", status, f"pilih dari {', '.join(STATUSES)}.",
                       f"choose from {', '.join(STATUSES)}.")
    received_from = _instant("from", args["from"], zone, end=False) if args.get("from") else None
    received_before = _instant("to", args["to"], zone, end=True) if args.get("to") else None
    if received_from and received_before and received_from >= received_before:
        raise _bad("to", args["to"], "harus sesudah from.", "it must come after from.")
    return ComplaintFilters(
        category=args.get("category") or None,
        status=statuses,
        opd=args.get("opd") or None,
        kecamatan=args.get("kecamatan") or None,
        kelurahan=args.get("kelurahan") or None,
        bbox=_bbox(args["bbox"]) if args.get("bbox") else None,
        received_from=received_from,
        received_before=received_before,
    )


def parse_paging(args) -> tuple[int, int]:
    """Return (page, page_size) from ?page=&page_size=, 1-based."""
    values = {}
    for param, default, maximum in (("page", 1, 1_000_000), ("page_size", PAGE_SIZE_DEFAULT,
                                                             PAGE_SIZE_MAX)):
        raw = args.get(param)
        if raw in (None, ""):
            values[param] = default
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= maximum:
            raise _bad(param, raw, f"tulis bilangan bulat 1 sampai {maximum}.",
                       f"write a whole number from 1 to {maximum}.")
        values[param] = int(raw)
    return values["page"], values["page_size"]
