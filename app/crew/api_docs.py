"""OpenAPI descriptions of the crew's JSON API (app.crew.api)."""

from __future__ import annotations

from app.api.openapi import document
from app.api.openapi import error_responses
from app.crew.params import DEFAULT_LIMIT
from app.crew.params import DEFAULT_ROUTE_STOPS
from app.crew.params import MAX_LIMIT
from app.crew.params import MAX_RADIUS_M
from app.crew.params import MAX_ROUTE_STOPS

BEARER_NOTE = (
    "Needs a Bearer token from POST /api/auth/token (role crew, opd_admin or admin). "
    "Complaints of another OPD answer 404, exactly like a code that does not exist."
)


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


POSITION_PARAMETERS = [
    _query(
        "lat",
        {"type": "number", "minimum": -90, "maximum": 90},
        "Latitude of the crew's position.",
        required=True,
    ),
    _query(
        "lon",
        {"type": "number", "minimum": -180, "maximum": 180},
        "Longitude of the crew's position.",
        required=True,
    ),
    _query(
        "radius_m",
        {"type": "number", "minimum": 1, "maximum": MAX_RADIUS_M},
        "Only tasks at most this many metres away (geodesic).",
    ),
    _query("category", {"type": "string"}, "Category code."),
    _query("status", {"enum": ["menunggu", "proses"]}, "One open status."),
]

CODE_PARAMETER = {
    "name": "code",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "Tracking code.",
}

TASK_SCHEMA = {
    "type": "object",
    "properties": {
        "tracking_code": {"type": "string"},
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "distance_m": {
            "type": ["number", "null"],
            "description": "Geodesic distance on WGS 84, metres.",
        },
        "status": {"enum": ["menunggu", "proses"]},
        "category": {"type": "object"},
        "kelurahan": {"type": ["string", "null"]},
        "kecamatan": {"type": ["string", "null"]},
        "received_at": {"type": "string"},
        "due_at": {"type": "string"},
        "age_days": {"type": "integer"},
        "overdue": {"type": "boolean"},
        "support_count": {"type": "integer"},
        "assigned_to_me": {"type": "boolean"},
    },
}

WORK_RESPONSE = {"description": "tracking_code, status after the change, event_id"}


def _work(summary: str, fields: str, statuses: tuple[int, ...]) -> dict:
    return {
        "post": {
            "summary": summary,
            "description": f"{BEARER_NOTE} Fields (JSON or multipart form): {fields}.",
            "parameters": [CODE_PARAMETER],
            "responses": {"200": WORK_RESPONSE, **error_responses(*statuses)},
        }
    }


document(
    "/api/crew/tasks",
    {
        "get": {
            "summary": "Open tasks of the caller's OPD, nearest first",
            "description": BEARER_NOTE
            + " Ordered by geodesic distance, then by id, so "
            "pages never repeat or skip a task.",
            "parameters": POSITION_PARAMETERS
            + [
                _query("page", {"type": "integer", "minimum": 1}, "Page, from 1."),
                _query(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                    f"Tasks per page (default {DEFAULT_LIMIT}).",
                ),
            ],
            "responses": {
                "200": {
                    "description": "position, radius_m, page, limit, total, items",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "items": {
                                        "type": "array",
                                        "items": {
                                            "$ref": "#/components/schemas/CrewTask"
                                        },
                                    }
                                },
                            }
                        }
                    },
                },
                **error_responses(400, 401, 403),
            },
        }
    },
    schemas={"CrewTask": TASK_SCHEMA},
)

document(
    "/api/crew/route",
    {
        "get": {
            "summary": "A short visiting route through picked or nearest tasks",
            "description": BEARER_NOTE
            + " Straight-line (geodesic) distances; the order "
            "is exact up to 12 stops and heuristic beyond.",
            "parameters": POSITION_PARAMETERS
            + [
                _query(
                    "code",
                    {"type": "array", "items": {"type": "string"}},
                    "Tracking codes to visit; repeat or separate with commas.",
                ),
                _query(
                    "stops",
                    {"type": "integer", "minimum": 1, "maximum": MAX_ROUTE_STOPS},
                    f"Nearest tasks to visit when no code is given "
                    f"(default {DEFAULT_ROUTE_STOPS}).",
                ),
            ],
            "responses": {
                "200": {"description": "start, method, total_m, stops"},
                **error_responses(400, 401, 403, 404, 409),
            },
        }
    },
)

document(
    "/api/crew/tasks/{code}",
    {
        "get": {
            "summary": "One task with description, history and photo links",
            "description": BEARER_NOTE,
            "parameters": [CODE_PARAMETER],
            "responses": {
                "200": {"description": "The task"},
                **error_responses(401, 403, 404),
            },
        }
    },
)

document(
    "/api/crew/tasks/{code}/take",
    _work("Take a waiting task (menunggu to proses)", "none", (401, 403, 404, 409)),
)
document(
    "/api/crew/tasks/{code}/notes",
    _work(
        "Add a public progress note",
        "note (required), photo (up to 3 files)",
        (400, 401, 403, 404, 409, 413, 415, 422),
    ),
)
document(
    "/api/crew/tasks/{code}/finish",
    _work(
        "Finish a task in proses (to selesai)",
        "note, photo (a result photo is required unless the OPD waived it)",
        (400, 401, 403, 404, 409, 413, 415, 422),
    ),
)
document(
    "/api/crew/tasks/{code}/hand-back",
    _work(
        "Hand a task back (proses to menunggu)",
        "reason (required)",
        (400, 401, 403, 404, 409),
    ),
)
