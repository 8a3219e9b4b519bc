"""Citizen pages: file a geotagged complaint, follow it, and confirm the fix."""

from __future__ import annotations

from flask import Blueprint

from app.citizen import display
from app.citizen.settings import configure

bp = Blueprint("citizen", __name__)
bp.record_once(lambda state: configure(state.app))
bp.add_app_template_filter(display.city_time, "city_time")
bp.add_app_template_filter(display.city_date, "city_date")
bp.add_app_template_filter(display.age, "time_ago")

# The view modules register their routes on bp when imported.
from app.citizen import api  # noqa: E402,F401
from app.citizen import filing_views  # noqa: E402,F401
from app.citizen import map_views  # noqa: E402,F401
from app.citizen import tracking_views  # noqa: E402,F401
