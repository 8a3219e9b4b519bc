"""Peta Aduan: a GIS-aware complaint service for city governments.

Any WSGI server can run the application as ``app:create_app()``.
"""

from __future__ import annotations

import logging

from flask import Flask

from app.config import PROJECT_ROOT
from app.config import Settings
from app.config import load_cities
from app.config import settings_from_env
from app.json_provider import StrictJSONProvider
from app.logging_setup import configure_logging

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask application from settings (read from the environment by default)."""
    settings = settings or settings_from_env()
    configure_logging(settings.log_level)

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.json = StrictJSONProvider(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.photo_max_bytes * 4 + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_SORT_KEYS=False,
    )

    from app.services import Services

    services = Services(settings, load_cities(settings.cities_file))
    app.extensions["aduan"] = services

    from app.i18n import init_i18n
    from app.web import register_web

    init_i18n(app, services.city.timezone)
    register_web(app)
    log.info("application created for city %s", settings.default_city)
    return app
