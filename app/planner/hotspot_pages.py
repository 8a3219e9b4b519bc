"""Build what the hotspot pages show: the Gi* map, its legend, parameters and months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import shapely
from flask import request
from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.planner.blueprint import city_calendar
from app.planner.blueprint import request_filter
from app.planner.blueprint import utc_now
from app.planner.filters import Period
from app.planner.filters import parse_choice
from app.planner.filters import parse_month
from app.planner.filters import parse_number
from app.planner.hotspots import DEFAULT_CELL_SIZE_M
from app.planner.hotspots import GRID_SHAPES
from app.planner.hotspots import MAX_BAND_CELLS
from app.planner.hotspots import MAX_CELL_SIZE_M
from app.planner.hotspots import MAX_PREVIOUS_MONTHS
from app.planner.hotspots import MIN_CELL_SIZE_M
from app.planner.hotspots import NEW_HOT_CONFIDENCE
from app.planner.hotspots import HotspotMap
from app.planner.hotspots import compute_hotspots
from app.planner.hotspots import compute_monthly_hotspots
from app.planner.hotspots import month_start
from app.planner.maps import CellLayer
from app.planner.maps import add_outlines
from app.planner.maps import embed_maps
from app.planner.maps import new_map
from app.planner.maps import number_locale
from app.queries.heatmap import count_locations
from app.queries.heatmap import find_area_shapes
from app.queries.stats import AnalysisFilter
from app.queries.stats import find_last_received
from app.services import db_session
from app.services import services
from geo.hotspots import DEFAULT_BAND_CELLS

#: Colours of the Gi* confidence bins: the seven-colour cold-to-hot ramp of Esri's
#: Spatial Statistics toolbox (its ArcGIS 10.1 OLS.py sets the same seven values).
BIN_COLORS = {
    3: "#d62f27",
    2: "#ed7551",
    1: "#fab984",
    0: "#ffffbf",
    -1: "#c0ccbe",
    -2: "#849eba",
    -3: "#4575b5",
}
DEFAULT_PREVIOUS_MONTHS = 5
_OUTLINE_TOLERANCE = 0.0001


def bin_labels() -> dict[int, str]:
    """Translated names of the confidence bins, hottest first."""
    return {
        3: _("Hot spot, 99% confidence"),
        2: _("Hot spot, 95% confidence"),
        1: _("Hot spot, 90% confidence"),
        0: _("Not significant"),
        -1: _("Cold spot, 90% confidence"),
        -2: _("Cold spot, 95% confidence"),
        -3: _("Cold spot, 99% confidence"),
    }


@dataclass(frozen=True)
class GridParams:
    """Grid and neighbourhood of a Gi* run, as read from the request."""

    cell_size_m: float
    shape: str
    distance_band_m: float


def parse_grid_params(args: MultiDict) -> GridParams:
    """Read cell_size_m, shape and distance_band_m; raise ApiError when invalid."""
    cell_size = parse_number(
        args, "cell_size_m", DEFAULT_CELL_SIZE_M, MIN_CELL_SIZE_M, MAX_CELL_SIZE_M
    )
    shape = parse_choice(args, "shape", GRID_SHAPES)
    band = parse_number(
        args,
        "distance_band_m",
        DEFAULT_BAND_CELLS * cell_size,
        cell_size,
        MAX_BAND_CELLS * cell_size,
    )
    return GridParams(cell_size, shape, band)


def hotspot_payload(hotspot_map: HotspotMap, new_hot: np.ndarray | None) -> dict:
    """Build the cells.js payload: cell centres and one shared outline offset.

    Cells are regular in the grid's UTM zone, so over a city the outline of
    every cell is its centre plus the same offsets in degrees, within a
    metre. The exact outlines are in GET /api/hotspots.
    """
    grid = hotspot_map.grid
    result = hotspot_map.result
    polygons = np.asarray(grid.polygons_lonlat, dtype=object)
    corners = shapely.get_coordinates(polygons).reshape(grid.cell_count, -1, 2)[:, :-1]
    centres = corners.mean(axis=1)
    offsets = (corners - centres[:, None, :]).mean(axis=0)
    flags = new_hot if new_hot is not None else np.zeros(grid.cell_count, dtype=bool)
    cells = [
        [
            round(float(lon), 5),
            round(float(lat), 5),
            int(count),
            round(float(z), 2),
            float(f"{p:.3g}"),
            int(level),
            int(flag),
        ]
        for (lon, lat), count, z, p, level, flag in zip(
            centres,
            hotspot_map.counts,
            result.z,
            result.p_adjusted,
            result.bin,
            flags,
            strict=True,
        )
    ]
    labels = bin_labels()
    payload = {
        "geometry": "offsets",
        "offsets": np.round(offsets, 7).tolist(),
        "cells": cells,
        "color": {"index": 5, "values": {str(k): v for k, v in BIN_COLORS.items()}},
        "fields": [
            {
                "index": 5,
                "label": _("Result"),
                "values": {str(k): v for k, v in labels.items()},
            },
            {"index": 2, "label": _("Complaints in cell")},
            {"index": 3, "label": _("Gi* z-score")},
            {"index": 4, "label": _("p-value after correction")},
        ],
        "stroke": "#bcccdc",
        "fillOpacity": 0.65,
        "layer": _("Hotspot cells"),
        "locale": number_locale(),
    }
    if new_hot is not None:
        payload["emphasis"] = {"index": 6, "color": "#1f2933", "weight": 3}
        payload["fields"].append(
            {
                "index": 6,
                "label": _("New hot spot"),
                "values": {"0": _("no"), "1": _("yes")},
            }
        )
    return payload


def _hotspot_map_embed(hotspot_map: HotspotMap, new_hot: np.ndarray | None):
    conn = db_session().connection()
    city = services().city
    bounds = tuple(
        float(value)
        for value in shapely.total_bounds(
            np.asarray(hotspot_map.grid.polygons_lonlat, dtype=object)
        )
    )
    folium_map = new_map(services().settings, bounds)
    CellLayer(
        hotspot_payload(hotspot_map, new_hot),
        url_for("static", filename="js/planner/cells.js"),
    ).add_to(folium_map)
    add_outlines(
        folium_map, find_area_shapes(conn, city.code, 1, _OUTLINE_TOLERANCE), weight=1.5
    )
    return embed_maps(folium_map), bounds


def bin_summary(hotspot_map: HotspotMap) -> list[dict]:
    """Count the cells of each confidence bin, hottest first, for the legend."""
    labels = bin_labels()
    return [
        {
            "bin": level,
            "label": labels[level],
            "color": BIN_COLORS[level],
            "cells": int((hotspot_map.result.bin == level).sum()),
        }
        for level in BIN_COLORS
    ]


def hotspot_context() -> dict:
    """Run Gi* for the filtered complaints and describe map, legend and method."""
    params = parse_grid_params(request.args)
    analysis_filter = request_filter()
    conn = db_session().connection()
    hotspot_map = compute_hotspots(
        conn, analysis_filter, params.cell_size_m, params.shape, params.distance_band_m
    )
    embed, bounds = _hotspot_map_embed(hotspot_map, None)
    return {
        "embed": embed,
        "hotspots": hotspot_map,
        "params": params,
        "legend": bin_summary(hotspot_map),
        "locations": count_locations(conn, analysis_filter, bounds),
        "band_cells": DEFAULT_BAND_CELLS,
        "limits": _limits(),
        "api_url": url_for("planner.hotspots_api", **request.args.to_dict(flat=False)),
    }


def _limits() -> dict[str, float]:
    return {
        "min_cell": MIN_CELL_SIZE_M,
        "max_cell": MAX_CELL_SIZE_M,
        "max_band_cells": MAX_BAND_CELLS,
    }


def _default_month(analysis_filter: AnalysisFilter) -> dt.date:
    """Return the month of the latest filtered complaint, else the last full month."""
    calendar = city_calendar()
    latest = find_last_received(db_session().connection(), analysis_filter)
    if latest is not None:
        return month_start(calendar.local_date(min(latest, utc_now())))
    return month_start(calendar.local_date(utc_now()), -1)


def monthly_hotspot_context() -> dict:
    """Run Gi* per month and mark the chosen month's new hot spots."""
    params = parse_grid_params(request.args)
    analysis_filter = request_filter(Period(None, None))
    month = parse_month(request.args, "month", _default_month(analysis_filter))
    previous = int(
        parse_number(
            request.args, "previous", DEFAULT_PREVIOUS_MONTHS, 1, MAX_PREVIOUS_MONTHS
        )
    )
    monthly = compute_monthly_hotspots(
        db_session().connection(),
        analysis_filter,
        month,
        previous,
        city_calendar().timezone,
        params.cell_size_m,
        params.shape,
        params.distance_band_m,
    )
    embed, _bounds = _hotspot_map_embed(monthly.latest, monthly.new_hot)
    return {
        "embed": embed,
        "monthly": monthly,
        "params": params,
        "legend": bin_summary(monthly.latest),
        "months": [
            _month_row(first_day, hotspot_map)
            for first_day, hotspot_map in zip(monthly.months, monthly.maps, strict=True)
        ],
        "month_label": format_date(month, "MMMM yyyy"),
        "previous": previous,
        "first_previous": format_date(monthly.months[0], "MMMM yyyy"),
        "new_hot_count": int(monthly.new_hot.sum()),
        "confidence": round(NEW_HOT_CONFIDENCE * 100),
        "step_links": _step_links(month),
        "band_cells": DEFAULT_BAND_CELLS,
        "limits": _limits(),
    }


def _month_row(first_day: dt.date, hotspot_map: HotspotMap) -> dict:
    bins = hotspot_map.result.bin
    return {
        "label": format_date(first_day, "MMMM yyyy"),
        "complaints": hotspot_map.counted,
        "hot": int((bins > 0).sum()),
        "cold": int((bins < 0).sum()),
        "not_tested": hotspot_map.result.not_tested_reason,
    }


def _step_links(month: dt.date) -> dict[str, str]:
    args = request.args.to_dict(flat=False)
    links = {}
    for name, offset in (("previous", -1), ("next", 1)):
        args["month"] = [month_start(month, offset).strftime("%Y-%m")]
        links[name] = url_for("planner.hotspot_months", **args)
    return links
