"""Build what the planner map pages show: maps, legends, notes and tables."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from flask import request
from flask import url_for
from flask_babel import format_date
from flask_babel import format_decimal
from flask_babel import format_percent
from flask_babel import gettext as _
from sqlalchemy.engine import Connection

from app.planner.blueprint import city_calendar
from app.planner.blueprint import request_filter
from app.planner.blueprint import utc_now
from app.planner.filters import Period
from app.planner.filters import parse_choice
from app.planner.filters import parse_period
from app.planner.filters import status_instant
from app.planner.heatmap import CELL_DEGREES
from app.planner.heatmap import MAX_CELLS
from app.planner.heatmap import class_breaks
from app.planner.heatmap import class_colors
from app.planner.heatmap import class_labels
from app.planner.heatmap import degree_box
from app.planner.heatmap import find_heatmap_cells
from app.planner.heatmap import heatmap_payload
from app.planner.hotspot_pages import hotspot_context  # noqa: F401 - re-exported
from app.planner.hotspot_pages import monthly_hotspot_context  # noqa: F401
from app.planner.hotspots import boundaries_missing
from app.planner.maps import CellLayer
from app.planner.maps import add_choropleth
from app.planner.maps import add_outlines
from app.planner.maps import embed_maps
from app.planner.maps import new_map
from app.planner.maps import number_locale
from app.queries.heatmap import find_area_shapes
from app.queries.heatmap import find_city_outline
from app.queries.stats import GroupFigures
from app.queries.stats import find_area_figures
from app.services import db_session
from app.services import services

#: Simplification of the kecamatan borders drawn over cells, in degrees (~11 m).
OUTLINE_TOLERANCE = 0.0001
CHOROPLETH_MEASURES = ("count", "density", "share_finished", "median_days")
#: Colour ramps (ColorBrewer, 5 classes): more is worse, except share finished.
_RAMP_WORSE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
_RAMP_BETTER = ("#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837")
NO_DATA_COLOR = "#d9d9d9"


def city_bounds(conn: Connection, city_code: str) -> tuple[float, float, float, float]:
    """Return the bounds of the city outline, or raise ApiError 503 without one."""
    found = find_city_outline(conn, city_code)
    if found is None:
        raise boundaries_missing()
    return tuple(found[1].bounds)


def period_label(period: Period) -> str:
    """Describe a period in words, such as "1 Jan 2026 - 31 Des 2026"."""
    first = format_date(period.first_day, "d MMM yyyy") if period.first_day else None
    last = format_date(period.last_day, "d MMM yyyy") if period.last_day else None
    if first and last:
        return f"{first} \u2013 {last}"
    if first:
        return _("from %(day)s", day=first)
    if last:
        return _("until %(day)s", day=last)
    return _("all complaints")


def heatmap_context() -> dict:
    """Count complaints per degree cell for one period, or two to compare."""
    conn = db_session().connection()
    city = services().city
    periods = [parse_period(request.args)]
    compare = parse_period(request.args, "compare_from", "compare_to")
    if compare.first_day or compare.last_day:
        periods.append(compare)

    bounds = city_bounds(conn, city.code)
    box = degree_box(bounds)
    heatmaps = [
        find_heatmap_cells(conn, request_filter(period), box) for period in periods
    ]
    max_count = max(heatmap.max_count for heatmap in heatmaps)
    breaks = class_breaks(max_count)
    labels = {
        "complaints": _("Complaints in cell"),
        "heat": _("Smoothed heatmap"),
        "cells": _("Grid cells"),
    }
    outlines = find_area_shapes(conn, city.code, 1, OUTLINE_TOLERANCE)
    maps = []
    for heatmap in heatmaps:
        folium_map = new_map(services().settings, bounds)
        payload = heatmap_payload(heatmap, breaks, labels)
        payload["locale"] = number_locale()
        CellLayer(payload, _cells_script(), heat=True).add_to(folium_map)
        add_outlines(folium_map, outlines, weight=1.5)
        maps.append(folium_map)
    return {
        "embed": embed_maps(*maps),
        "panels": list(zip(heatmaps, [period_label(p) for p in periods], strict=True)),
        "legend": list(
            zip(class_colors(breaks), class_labels(breaks, max_count), strict=True)
        ),
        "cell_degrees": CELL_DEGREES,
        "cell_metres": round(
            CELL_DEGREES * 111_320 * math.cos(math.radians((bounds[1] + bounds[3]) / 2))
        ),
        "max_cells": MAX_CELLS,
        "box_cells": box.cell_count,
        "comparing": len(periods) == 2,
    }


def _cells_script() -> str:
    return url_for("static", filename="js/planner/cells.js")


@dataclass(frozen=True)
class AreaRow:
    """One kecamatan or kelurahan of the choropleth table."""

    code: str
    name: str
    received: int
    density: float
    share_finished: float | None
    median_days: float | None
    value: float | None
    color: str


def _measure_value(measure: str, figures: GroupFigures | None, km2: float):
    if figures is None:
        return {"count": 0, "density": 0.0}.get(measure)
    values = {
        "count": figures.figures.received,
        "density": figures.figures.received / km2 if km2 else None,
        "share_finished": figures.figures.share_finished,
        "median_days": figures.figures.median_working_days,
    }
    return values[measure]


def quantile_breaks(values: list[float], classes: int = 5) -> list[float]:
    """Return the lower bounds of up to ``classes`` quantile classes, no repeats."""
    if not values:
        return []
    cut = np.quantile(
        np.asarray(values, dtype=float), np.linspace(0, 1, classes + 1)[:-1]
    )
    return sorted(set(float(value) for value in cut))


def _class_color(
    value: float | None, breaks: list[float], ramp: tuple[str, ...]
) -> str:
    if value is None or not breaks:
        return NO_DATA_COLOR
    index = max(i for i, low in enumerate(breaks) if value >= low or i == 0)
    return ramp[round(index * (len(ramp) - 1) / max(len(breaks) - 1, 1))]


def _format_measure(measure: str, value: float | None) -> str:
    if value is None:
        return "\u2013"
    if measure == "share_finished":
        return format_percent(value, "#,##0.0%")
    if measure == "count":
        return format_decimal(value, "#,##0")
    return format_decimal(value, "#,##0.0")


def choropleth_context() -> dict:
    """Compute one figure per area, its classes, the map and the table."""
    conn = db_session().connection()
    city = services().city
    level = parse_choice(request.args, "level", tuple(lv.key for lv in city.levels))
    measure = parse_choice(request.args, "measure", CHOROPLETH_MEASURES)
    rank = city.level_rank(level)
    analysis_filter = request_filter()
    as_of = status_instant(analysis_filter, utc_now())
    figures = find_area_figures(conn, analysis_filter, as_of, city_calendar(), rank)
    shapes = find_area_shapes(conn, city.code, rank)

    rows = _area_rows(shapes, figures, measure)
    folium_map = new_map(services().settings, city_bounds(conn, city.code))
    add_choropleth(
        folium_map,
        shapes,
        colors={row.code: row.color for row in rows},
        tooltips={row.code: _area_tooltip(row) for row in rows},
        aliases=[
            _("Complaints"),
            _("Complaints per km\u00b2"),
            _("Share finished"),
            _("Median working days to finish"),
        ],
    )
    return {
        "embed": embed_maps(folium_map),
        "rows": sorted(
            rows, key=lambda row: (row.value is None, -(row.value or 0), row.name)
        ),
        "legend": _choropleth_legend(rows, measure),
        "level": level,
        "levels": city.levels,
        "measure": measure,
        "measures": CHOROPLETH_MEASURES,
        "as_of": as_of,
        "period": period_label(parse_period(request.args)),
        "format_measure": _format_measure,
    }


def _area_rows(shapes, figures: dict[str, GroupFigures], measure: str) -> list[AreaRow]:
    values = {}
    for shape in shapes:
        values[shape.code] = _measure_value(
            measure, figures.get(shape.code), shape.area_m2 / 1e6
        )
    present = [value for value in values.values() if value is not None]
    breaks = quantile_breaks(present)
    ramp = _RAMP_BETTER if measure == "share_finished" else _RAMP_WORSE
    rows = []
    for shape in shapes:
        group = figures.get(shape.code)
        received = group.figures.received if group else 0
        km2 = shape.area_m2 / 1e6
        rows.append(
            AreaRow(
                code=shape.code,
                name=shape.name,
                received=received,
                density=received / km2 if km2 else 0.0,
                share_finished=group.figures.share_finished if group else None,
                median_days=group.figures.median_working_days if group else None,
                value=values[shape.code],
                color=_class_color(values[shape.code], breaks, ramp),
            )
        )
    return rows


def _area_tooltip(row: AreaRow) -> dict[str, str]:
    return {
        "complaints": _format_measure("count", row.received),
        "density": _format_measure("density", row.density),
        "share_finished": _format_measure("share_finished", row.share_finished),
        "median_days": _format_measure("median_days", row.median_days),
    }


def _choropleth_legend(rows: list[AreaRow], measure: str) -> list[tuple[str, str]]:
    """List (colour, range) per class, then the no-data class if any area has it."""
    by_color: dict[str, list[float]] = {}
    for row in rows:
        if row.value is not None:
            by_color.setdefault(row.color, []).append(row.value)
    ramp = _RAMP_BETTER if measure == "share_finished" else _RAMP_WORSE
    legend = []
    for color in ramp:
        if color in by_color:
            low, high = min(by_color[color]), max(by_color[color])
            text = _format_measure(measure, low)
            if high > low:
                text = f"{text} \u2013 {_format_measure(measure, high)}"
            legend.append((color, text))
    if any(row.value is None for row in rows):
        legend.append(
            (
                NO_DATA_COLOR,
                _("no finished complaints")
                if measure in ("share_finished", "median_days")
                else _("no data"),
            )
        )
    return legend


def trend_bars(months: list[GroupFigures]) -> list[dict]:
    """Describe the monthly trend as bars of received and selesai, scaled to peak."""
    peak = max((group.figures.received for group in months), default=0) or 1
    years = {group.code[:4] for group in months}
    bars = []
    for group in months:
        first_day = dt.date.fromisoformat(f"{group.code}-01")
        bars.append(
            {
                "label": format_date(first_day, "MMM yyyy"),
                "short_label": format_date(
                    first_day, "MMM yy" if len(years) > 1 else "MMM"
                ),
                "figures": group.figures,
                "received_pct": 100 * group.figures.received / peak,
                "selesai_pct": 100 * group.figures.selesai / peak,
            }
        )
    return bars
