"""Settings of the citizen pages: the reopen window, photo limits, duplicate search."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask
from flask import current_app

from app.config import ConfigError

# Days after a complaint is marked selesai during which its reporter may reopen it.
REOPEN_DAYS_DEFAULT = 14
REOPEN_DAYS_ENV = "ADUAN_REOPEN_DAYS"
REOPEN_DAYS_CONFIG = "CITIZEN_REOPEN_DAYS"

# Photos larger than this are rejected before decoding; phone cameras reach 50 MP.
PHOTO_MAX_PIXELS = 60_000_000
# Maximum side of a stored photo in pixels, enough to read a street sign on a phone.
PHOTO_MAX_SIDE = 1600
# Report photos one complaint may carry; the filing page attaches one.
REPORT_PHOTOS_MAX = 3

# Open complaints of the same category closer than this are offered for support.
NEARBY_RADIUS_M = 50.0
# The radius grows by the location's uncertainty, up to this many metres.
NEARBY_UNCERTAINTY_MAX_M = 100.0
NEARBY_LIMIT = 10

# The public map shows finished complaints of the last this many days.
RECENTLY_FINISHED_DAYS = 30
# Markers drawn on the public map at most, newest first.
PUBLIC_MAP_MAX_MARKERS = 2000


def configure(app: Flask, environ: Mapping[str, str] | None = None) -> None:
    """Read the citizen settings from the environment into the app's config.

    Raises:
        ConfigError: ADUAN_REOPEN_DAYS is not a whole number from 1 to 365.
    """
    env = os.environ if environ is None else environ
    raw = env.get(REOPEN_DAYS_ENV, "")
    if raw.strip() == "":
        days = REOPEN_DAYS_DEFAULT
    elif raw.strip().isdigit() and 1 <= int(raw) <= 365:
        days = int(raw)
    else:
        raise ConfigError(
            f"{REOPEN_DAYS_ENV}={raw!r} is invalid; give the number of days (1-365) "
            "during which a reporter may reopen a finished complaint."
        )
    app.config.setdefault(REOPEN_DAYS_CONFIG, days)


def reopen_days() -> int:
    """Days after selesai during which the reporter may reopen the complaint."""
    return current_app.config.get(REOPEN_DAYS_CONFIG, REOPEN_DAYS_DEFAULT)
