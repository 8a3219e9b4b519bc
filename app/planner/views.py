"""Planner pages: the dashboard of figures, and the heatmap, area and hotspot maps."""

from __future__ import annotations

import logging

from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from app.complaint_public import STATUS_LABELS
from app.i18n import current_language
from app.models import STATUSES
from app.planner import pages
from app.planner.blueprint import bp
from app.planner.blueprint import city_calendar
from app.planner.blueprint import filter_choices
from app.planner.blueprint import filter_query
from app.planner.blueprint import request_filter
from app.planner.blueprint import utc_now
from app.planner.filters import FILTER_PARAMS
from app.planner.filters import filter_values
from app.planner.filters import parse_period
from app.planner.filters import status_instant
from app.queries.stats import Choice
from app.queries.stats import find_city_figures
from app.services import db_session

log = logging.getLogger(__name__)


def _status_choices() -> list[Choice]:
    english = current_language() == "en"
    return [Choice(code, STATUS_LABELS[code][1 if english else 0]) for code in STATUSES]


def _filter_summary(chosen: dict[str, list[str]], statuses: list[Choice]) -> str:
    """Describe the chosen filters in words, for the page and its print-out."""
    choices = filter_choices()
    parts = [pages.period_label(parse_period(request.args))]
    for name, label, options in (
        ("category", _("category"), choices.categories),
        ("opd", _("OPD"), choices.opds),
        ("kecamatan", _("kecamatan"), choices.kecamatan),
        ("status", _("status"), statuses),
    ):
        names = {option.code: option.name for option in options}
        if chosen.get(name):
            listed = ", ".join(names.get(code, code) for code in chosen[name])
            parts.append(f"{label}: {listed}")
    return "; ".join(parts)


def render_planner(template: str, **context) -> str:
    """Render a planner page with the filter form's choices and current values."""
    chosen = {name: list(filter_values(request.args, name)) for name in FILTER_PARAMS}
    statuses = _status_choices()
    return render_template(
        template,
        choices=filter_choices(),
        status_choices=statuses,
        chosen=chosen,
        args=request.args,
        carry=_carried_filters(),
        filter_summary=_filter_summary(chosen, statuses),
        export_query=filter_query(),
        **context,
    )


def _carried_filters() -> dict[str, list[str]]:
    """Collect the filter parameters to keep when moving to another planner page."""
    carried: dict[str, list[str]] = {}
    for name, value in filter_query():
        carried.setdefault(name, []).append(value)
    return carried


@bp.get("/planner/")
def dashboard():
    """Show the city's published figures for the chosen period and filters."""
    analysis_filter = request_filter()
    as_of = status_instant(analysis_filter, utc_now())
    figures = find_city_figures(
        db_session().connection(), analysis_filter, as_of, city_calendar()
    )
    return render_planner(
        "planner/dashboard.html",
        figures=figures,
        at_period_end=as_of == analysis_filter.received_until,
        trend=pages.trend_bars(figures.by_month),
        stats_url=url_for("planner.stats_api", **request.args.to_dict(flat=False)),
    )


@bp.get("/planner/heatmap")
def heatmap():
    """Show complaint density on a fixed grid; optionally two periods side by side."""
    return render_planner("planner/heatmap.html", **pages.heatmap_context())


@bp.get("/planner/areas")
def choropleth():
    """Show a figure per kecamatan or kelurahan as a choropleth with a table."""
    return render_planner("planner/choropleth.html", **pages.choropleth_context())


@bp.get("/planner/hotspots")
def hotspots():
    """Show significant hot and cold spots (Getis-Ord Gi*) on the city grid."""
    return render_planner("planner/hotspots.html", **pages.hotspot_context())


@bp.get("/planner/hotspots/months")
def hotspot_months():
    """Step through months and mark the new hot spots of the chosen month."""
    return render_planner(
        "planner/hotspot_months.html", **pages.monthly_hotspot_context()
    )
