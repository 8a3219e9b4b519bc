"""The OpenAPI 3.1 description of the JSON API, assembled from each endpoint module.

Endpoint modules call `document(path, operations)` at import time; the test
suite checks that every /api rule in the URL map is described.
"""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify

bp = Blueprint("openapi", __name__)

_PATHS: dict[str, dict] = {}
_SCHEMAS: dict[str, dict] = {}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
                "value": {},
                "error_id": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}


def document(path: str, operations: dict, schemas: dict | None = None) -> None:
    """Describe the operations of one path, in OpenAPI path syntax (/api/x/{code})."""
    _PATHS.setdefault(path, {}).update(operations)
    _SCHEMAS.update(schemas or {})


def error_responses(*statuses: int) -> dict:
    """Response objects for error statuses, all with the one error shape."""
    return {
        str(status): {
            "description": "Error",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
            },
        }
        for status in statuses
    }


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Peta Aduan API",
            "version": "1.0.0",
            "description": (
                "Complaints (service requests) of a city, located in its kecamatan "
                "and kelurahan and routed to the responsible OPD. Messages are in "
                "Bahasa Indonesia unless ?lang=en or Accept-Language asks for English."
            ),
        },
        "paths": dict(sorted(_PATHS.items())),
        "components": {"schemas": {"Error": ERROR_SCHEMA, **_SCHEMAS}},
    }


@bp.get("/api/openapi.json")
def openapi_json():
    """Return the OpenAPI description of every endpoint."""
    return jsonify(openapi_document())


document(
    "/api/openapi.json",
    {"get": {"summary": "This OpenAPI description", "responses": {"200": {
        "description": "OpenAPI 3.1 document"}}}},
)
