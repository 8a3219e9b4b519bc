"""Health check and service information."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from sqlalchemy import text

from app.api.openapi import document
from app.api.openapi import error_responses
from app.services import db_session
from app.services import services

bp = Blueprint("meta", __name__)


@bp.get("/api/health")
def health():
    """Report whether the database accepts queries and boundaries are loaded."""
    city = services().city
    version = db_session().execute(
        text("SELECT id FROM boundary_version WHERE city_code = :c AND is_current"),
        {"c": city.code},
    ).scalar()
    return jsonify(
        {
            "status": "ok",
            "city": city.code,
            "boundary_version": version,
            "postgis": db_session().execute(text("SELECT postgis_lib_version()")).scalar(),
        }
    )


document(
    "/api/health",
    {"get": {"summary": "Health check", "responses": {
        "200": {"description": "The service and its database answer"},
        **error_responses(503)}}},
)
