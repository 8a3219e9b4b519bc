"""The planners' blueprint and what every planner view reads from the request.

All planner pages, exports and JSON endpoints are routes of this one
blueprint, so access rules can be added to it in one place.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import g
from flask import request

from app.auth import require_roles
from app.i18n import current_language
from app.intake import working_calendar
from app.planner.filters import FILTER_PARAMS
from app.planner.filters import Period
from app.planner.filters import parse_analysis_filter
from app.queries.stats import AnalysisFilter
from app.queries.stats import FilterChoices
from app.queries.stats import find_filter_choices
from app.services import db_session
from app.services import services
from app.workdays import WorkingCalendar

bp = Blueprint("planner", __name__)


@bp.before_request
def planners_only():
    """Let planners and admins in; citizens are sent to the log-in page."""
    return require_roles("planner")


def filter_choices() -> FilterChoices:
    """Return the city's categories, OPDs and kecamatan, read once per request."""
    if "planner_choices" not in g:
        g.planner_choices = find_filter_choices(
            db_session().connection(), services().city.code, current_language()
        )
    return g.planner_choices


def city_calendar() -> WorkingCalendar:
    """Return the city's working-day calendar, shared with intake."""
    city = services().city
    return working_calendar(city.timezone, city.holiday_country)


def request_filter(period: Period | None = None) -> AnalysisFilter:
    """Read the complaint filter of this request; raise ApiError on bad input."""
    city = services().city
    return parse_analysis_filter(
        request.args, city.code, city_calendar().timezone, filter_choices(), period
    )


def filter_query(exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """List the filter parameters of this request, to carry over into links."""
    return [
        (name, value)
        for name in FILTER_PARAMS
        if name not in exclude
        for value in request.args.getlist(name)
        if value
    ]


def utc_now() -> dt.datetime:
    """Return the current instant, timezone-aware."""
    return dt.datetime.now(dt.timezone.utc)
