"""GET /api/hotspots and GET /api/stats: the planners' maps and figures as data."""

from __future__ import annotations

import json

from flask import Response
from flask import jsonify
from flask import request

from app.api.openapi import document
from app.api.openapi import error_responses
from app.planner.blueprint import bp
from app.planner.blueprint import city_calendar
from app.planner.blueprint import request_filter
from app.planner.blueprint import utc_now
from app.planner.filters import parse_period
from app.planner.filters import status_instant
from app.planner.hotspot_pages import parse_grid_params
from app.planner.hotspots import compute_hotspots
from app.planner.hotspots import hotspot_feature_collection
from app.queries.heatmap import count_locations
from app.queries.stats import CityFigures
from app.queries.stats import GroupFigures
from app.queries.stats import find_city_figures
from app.services import db_session
from geo.hotspots import default_distance_band_m

GEOJSON_TYPE = "application/geo+json"


@bp.get("/api/hotspots")
def hotspots_api():
    """Return the Gi* grid as GeoJSON with each cell's statistics."""
    params = parse_grid_params(request.args)
    analysis_filter = request_filter()
    conn = db_session().connection()
    hotspot_map = compute_hotspots(
        conn, analysis_filter, params.cell_size_m, params.shape, params.distance_band_m
    )
    grid = hotspot_map.grid
    locations = count_locations(conn, analysis_filter, (-180.0, -90.0, 180.0, 90.0))
    body = hotspot_feature_collection(hotspot_map)
    body["metadata"] = {
        "cell_size_m": grid.cell_size_m,
        "shape": grid.shape,
        "grid_crs": f"EPSG:{grid.crs.to_epsg()}",
        "distance_band_m": hotspot_map.result.distance_band_m,
        "default_distance_band_m": default_distance_band_m(grid.cell_size_m),
        "cell_count": grid.cell_count,
        "mean_neighbor_count": round(hotspot_map.result.mean_neighbor_count, 2),
        "complaints_selected": locations.selected,
        "complaints_in_grid": hotspot_map.counted,
        "complaints_without_location": locations.without_location,
        "complaints_outside_grid": hotspot_map.outside_grid,
        "p_value": "two-sided, normal approximation",
        "multiple_testing": "Benjamini-Hochberg",
        "bins": {
            "3": "hot 99%",
            "2": "hot 95%",
            "1": "hot 90%",
            "0": "not significant",
            "-1": "cold 90%",
            "-2": "cold 95%",
            "-3": "cold 99%",
        },
        "not_tested_reason": hotspot_map.result.not_tested_reason,
    }
    return Response(json.dumps(body, separators=(",", ":")), mimetype=GEOJSON_TYPE)


def _group_json(group: GroupFigures, key: str) -> dict:
    return {key: group.code, "name": group.name, **group.figures.as_json()}


def stats_json(figures: CityFigures, period) -> dict:
    """The dashboard figures as one JSON object, with the method stated."""
    return {
        "period": {
            "from": period.first_day.isoformat() if period.first_day else None,
            "to": period.last_day.isoformat() if period.last_day else None,
        },
        "as_of": figures.as_of.isoformat(timespec="seconds"),
        "method": {
            "received": "complaints received in the period",
            "status": "status at as_of, read from the complaint history",
            "share_finished": "selesai / received",
            "overdue": "due before as_of and not selesai or ditolak by the due date",
            "median_working_days": "receipt to last selesai, finished complaints only",
        },
        "total": figures.total.as_json(),
        "by_opd": [_group_json(group, "opd") for group in figures.by_opd],
        "by_kecamatan": [
            _group_json(group, "kecamatan") for group in figures.by_kecamatan
        ],
        "by_month": [_group_json(group, "month") for group in figures.by_month],
    }


@bp.get("/api/stats")
def stats_api():
    """Return the dashboard figures for the filters as JSON."""
    analysis_filter = request_filter()
    as_of = status_instant(analysis_filter, utc_now())
    figures = find_city_figures(
        db_session().connection(), analysis_filter, as_of, city_calendar()
    )
    return jsonify(stats_json(figures, parse_period(request.args)))


_FILTER_PARAMETERS = [
    {
        "name": "category",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Category codes, comma-separated or repeated.",
    },
    {
        "name": "opd",
        "in": "query",
        "schema": {"type": "string"},
        "description": "OPD codes of the OPD that handles the complaint now.",
    },
    {
        "name": "status",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Current statuses: menunggu, proses, selesai, ditolak.",
    },
    {
        "name": "kecamatan",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Kecamatan codes, such as 36.71.01.",
    },
    {
        "name": "from",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "First day of receipt, in the city's zone.",
    },
    {
        "name": "to",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "Last day of receipt, inclusive.",
    },
]

document(
    "/api/hotspots",
    {
        "get": {
            "summary": "Getis-Ord Gi* hot and cold spots on a grid over the city",
            "parameters": _FILTER_PARAMETERS
            + [
                {
                    "name": "cell_size_m",
                    "in": "query",
                    "schema": {
                        "type": "number",
                        "minimum": 100,
                        "maximum": 2000,
                        "default": 250,
                    },
                    "description": "Distance between neighbouring cell centres (m).",
                },
                {
                    "name": "shape",
                    "in": "query",
                    "schema": {"enum": ["hexagon", "square"], "default": "hexagon"},
                },
                {
                    "name": "distance_band_m",
                    "in": "query",
                    "schema": {"type": "number"},
                    "description": "Neighbour distance in metres, by default "
                    "2.5 cell sizes, "
                    "allowed from 1 to 10 cell sizes.",
                },
            ],
            "responses": {
                "200": {
                    "description": "RFC 7946 FeatureCollection of grid cells with "
                    "complaints, z, p, p_adjusted (Benjamini-Hochberg) and bin "
                    "(+3..-3), plus a metadata member with the parameters.",
                    "content": {GEOJSON_TYPE: {"schema": {"type": "object"}}},
                },
                **error_responses(400, 503),
            },
        }
    },
)

document(
    "/api/stats",
    {
        "get": {
            "summary": "Published complaint figures, per OPD, kecamatan and month",
            "parameters": _FILTER_PARAMETERS,
            "responses": {
                "200": {
                    "description": "Figures recomputed from the complaint history; "
                    "share_finished is selesai divided by received.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                **error_responses(400, 503),
            },
        }
    },
)
