"""Parse and check the query parameters of the crew's task list and route."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.coordinates import parse_coordinate
from app.coordinates import parse_optional_number
from app.errors import ApiError
from app.models import OPEN_STATUSES

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_PAGE = 10_000
# A crew works inside one city; 50 km spans Kota Tangerang several times.
MAX_RADIUS_M = 50_000.0
# Nearest tasks a route takes when the crew picks none by hand.
DEFAULT_ROUTE_STOPS = 8
MAX_ROUTE_STOPS = 50

TRACKING_CODE = re.compile(r"^[A-Z]{2,10}-\d{4}-\d{1,10}$")
CATEGORY_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class TaskQuery:
    """A crew's request for nearby tasks."""

    lat: float
    lon: float
    radius_m: float | None
    page: int
    limit: int
    category: str | None
    status: str | None

    @property
    def statuses(self) -> tuple[str, ...]:
        return (self.status,) if self.status else OPEN_STATUSES


def _invalid(field: str, raw: str, message_id: str, message_en: str) -> ApiError:
    return ApiError(
        400, f"invalid_{field}", message_id, message_en, field=field, value=raw
    )


def parse_whole_number(args: Mapping, field: str, default: int, maximum: int) -> int:
    """Parse an optional whole number from 1 to maximum; raise ApiError when bad."""
    raw = (args.get(field) or "").strip()
    if raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise _invalid(
            field,
            raw,
            f"Nilai {field} {raw!r} tidak valid: beri bilangan bulat 1 sampai "
            f"{maximum}.",
            f"The {field} value {raw!r} is invalid: give a whole number from 1 to "
            f"{maximum}.",
        )
    return int(raw)


def _parse_choice(args: Mapping, field: str, pattern: re.Pattern) -> str | None:
    raw = (args.get(field) or "").strip()
    if raw == "":
        return None
    if not pattern.match(raw):
        raise _invalid(
            field,
            raw,
            f"Nilai {field} {raw!r} tidak valid.",
            f"The {field} value {raw!r} is invalid.",
        )
    return raw


def parse_status(args: Mapping) -> str | None:
    """Parse an optional open status (menunggu or proses)."""
    raw = (args.get("status") or "").strip()
    if raw == "":
        return None
    if raw not in OPEN_STATUSES:
        choices = ", ".join(OPEN_STATUSES)
        raise _invalid(
            "status",
            raw,
            f"Status {raw!r} tidak valid untuk tugas: pilih {choices}.",
            f"The status {raw!r} is invalid for tasks: choose {choices}.",
        )
    return raw


def parse_position(args: Mapping) -> tuple[float, float]:
    """Parse the crew's position from lat and lon; raise ApiError when bad."""
    return parse_coordinate("lat", args.get("lat")), parse_coordinate(
        "lon", args.get("lon")
    )


def parse_task_query(args: Mapping) -> TaskQuery:
    """Parse lat, lon, radius_m, page, limit, category and status.

    Raises:
        ApiError: 400 naming the first invalid or missing parameter.
    """
    lat, lon = parse_position(args)
    radius_raw = args.get("radius_m")
    radius_m = None
    if radius_raw not in (None, ""):
        radius_m = parse_optional_number("radius_m", radius_raw, 1, MAX_RADIUS_M, 0)
    return TaskQuery(
        lat=lat,
        lon=lon,
        radius_m=radius_m,
        page=parse_whole_number(args, "page", 1, MAX_PAGE),
        limit=parse_whole_number(args, "limit", DEFAULT_LIMIT, MAX_LIMIT),
        category=_parse_choice(args, "category", CATEGORY_CODE),
        status=parse_status(args),
    )


def parse_tracking_codes(values: list[str]) -> list[str]:
    """Parse picked tracking codes, upper-cased, without repeats, in the given order.

    Raises:
        ApiError: 400 invalid_code for a code of the wrong form, 400
            too_many_stops above the route's maximum.
    """
    codes: list[str] = []
    for value in values:
        for part in value.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if not TRACKING_CODE.match(code):
                raise _invalid(
                    "code",
                    part,
                    f"Kode pelacakan {part!r} tidak valid, contoh: ADU-2026-000123.",
                    f"The tracking code {part!r} is invalid, for example "
                    "ADU-2026-000123.",
                )
            if code not in codes:
                codes.append(code)
    if len(codes) > MAX_ROUTE_STOPS:
        raise ApiError(
            400,
            "too_many_stops",
            f"Rute memuat paling banyak {MAX_ROUTE_STOPS} tugas; terpilih "
            f"{len(codes)}.",
            f"A route takes at most {MAX_ROUTE_STOPS} tasks; {len(codes)} were picked.",
            field="code",
            value=len(codes),
        )
    return codes
