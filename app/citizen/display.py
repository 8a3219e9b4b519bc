"""Template filters that show times in the city's zone, the way residents read them."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

from flask_babel import format_datetime
from flask_babel import format_timedelta

from app.i18n import current_language

# Indonesian names of the national time zones; other zones show no abbreviation.
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_abbreviation(zone: str) -> str:
    """WIB, WITA or WIT for an Indonesian zone, else an empty string."""
    return ZONE_ABBREVIATIONS.get(zone, "")


def city_time(instant: datetime | None, zone: str) -> str:
    """Format an instant in the city's zone, e.g. "4 Des 2026, 14.05 WIB".

    Flask-Babel converts to BABEL_DEFAULT_TIMEZONE, which app.i18n sets to the
    city's zone; ``zone`` only picks the abbreviation.
    """
    if instant is None:
        return ""
    # Indonesian writes the time with a dot (14.05), English with a colon.
    pattern = "d MMM yyyy, HH:mm" if current_language() == "en" else "d MMM yyyy, HH.mm"
    text = format_datetime(instant, pattern)
    abbreviation = zone_abbreviation(zone)
    return f"{text} {abbreviation}" if abbreviation else text


def city_date(instant: datetime | None) -> str:
    """Format the date of an instant in the city's zone, e.g. "4 Desember 2026"."""
    if instant is None:
        return ""
    return format_datetime(instant, "d MMMM yyyy")


def age(instant: datetime | None) -> str:
    """Describe how long ago an instant was, e.g. "3 hari yang lalu"."""
    if instant is None:
        return ""
    return format_timedelta(instant - datetime.now(timezone.utc), add_direction=True)
