"""GET /api/locate: the areas of a point, for pages that follow a moving pin."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from app.api.openapi import document
from app.api.openapi import error_responses
from app.coordinates import parse_coordinate
from app.coordinates import parse_optional_number
from app.locate import DEFAULT_UNCERTAINTY_M
from app.locate import locate_points
from app.services import db_session
from app.services import services

bp = Blueprint("locate_api", __name__)


@bp.get("/api/locate")
def locate():
    """Return what `aduan locate LAT LON` prints for ?lat=&lon=."""
    lat = parse_coordinate("lat", request.args.get("lat"))
    lon = parse_coordinate("lon", request.args.get("lon"))
    accuracy = parse_optional_number(
        "accuracy_m", request.args.get("accuracy_m"), 0, 5000, DEFAULT_UNCERTAINTY_M
    )
    city = services().city
    connection = db_session().connection()
    [location] = locate_points(connection, city, [(lon, lat)], near_radius_m=accuracy)
    return jsonify(location.as_json(city))


document(
    "/api/locate",
    {
        "get": {
            "summary": "Kecamatan and kelurahan of a point",
            "parameters": [
                {"name": "lat", "in": "query", "required": True,
                 "schema": {"type": "number", "minimum": -90, "maximum": 90}},
                {"name": "lon", "in": "query", "required": True,
                 "schema": {"type": "number", "minimum": -180, "maximum": 180}},
                {"name": "accuracy_m", "in": "query", "required": False,
                 "description": "Location uncertainty in metres (default 15); areas "
                 "closer than this are listed in near_border.",
                 "schema": {"type": "number", "minimum": 0, "maximum": 5000}},
            ],
            "responses": {
                "200": {
                    "description": "The point's areas. match is inside, boundary, "
                    "overlap, gap or outside; distance_m is set for gap and outside.",
                    "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Location"}}},
                },
                **error_responses(400, 503),
            },
        }
    },
    schemas={
        "Location": {
            "type": "object",
            "properties": {
                "kecamatan_code": {"type": ["string", "null"]},
                "kecamatan_name": {"type": ["string", "null"]},
                "kelurahan_code": {"type": ["string", "null"]},
                "kelurahan_name": {"type": ["string", "null"]},
                "match": {"enum": ["inside", "boundary", "overlap", "gap", "outside"]},
                "outside": {"type": "boolean"},
                "distance_m": {"type": ["number", "null"]},
                "near_border": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
)
