"""Parse and check latitude and longitude from JSON bodies and query strings."""

from __future__ import annotations

import math

from app.errors import ApiError

RANGES = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0)}


def _invalid(field: str, value: object, why_id: str, why_en: str) -> ApiError:
    return ApiError(
        400,
        f"invalid_{field}",
        f"Nilai {field} {value!r} tidak valid: {why_id}",
        f"The {field} value {value!r} is invalid: {why_en}",
        field=field,
        value=value,
    )


def check_coordinate(field: str, value: object) -> float:
    """Return a JSON number as a float within the field's range, or raise ApiError."""
    low, high = RANGES[field]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(
            field, value,
            "harus berupa angka JSON (tanpa tanda kutip), misalnya -6.17.",
            "it must be a JSON number (no quotes), for example -6.17.",
        )
    number = float(value)
    if not math.isfinite(number):
        raise _invalid(field, value, "harus bilangan terhingga.", "it must be finite.")
    if not low <= number <= high:
        raise _invalid(
            field, value,
            f"harus di antara {low:g} dan {high:g}.",
            f"it must lie between {low:g} and {high:g}.",
        )
    return number


def parse_coordinate(field: str, raw: str | None) -> float:
    """Parse a query-string coordinate such as ?lat=-6.17; raise ApiError when bad."""
    if raw is None or raw.strip() == "":
        raise ApiError(
            400,
            f"missing_{field}",
            f"Parameter {field} wajib diisi, misalnya {field}=-6.17.",
            f"The {field} parameter is required, for example {field}=-6.17.",
            field=field,
        )
    try:
        number = float(raw)
    except ValueError:
        raise _invalid(field, raw, "bukan angka desimal.", "it is not a decimal number.")
    if not math.isfinite(number):
        raise _invalid(field, raw, "harus bilangan terhingga.", "it must be finite.")
    return check_coordinate(field, number)


def parse_optional_number(field: str, raw: str | None, low: float, high: float,
                          default: float) -> float:
    """Parse an optional query-string number within [low, high]."""
    if raw is None or raw.strip() == "":
        return default
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise ApiError(
            400,
            f"invalid_{field}",
            f"Nilai {field} {raw!r} tidak valid: harus angka antara {low:g} dan {high:g}.",
            f"The {field} value {raw!r} is invalid: give a number from {low:g} to {high:g}.",
            field=field,
            value=raw,
        )
    return number
