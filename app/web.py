"""Blueprints, request ids, request logging and the one error shape per format."""

from __future__ import annotations

import logging
import secrets
import time
from urllib.parse import urlencode

from flask import Flask
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.errors import ApiError
from app.i18n import current_language
from app.services import close_db_session

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

_HTTP_MESSAGES = {
    400: ("Permintaan tidak valid.", "The request is invalid."),
    401: ("Silakan masuk terlebih dahulu.", "Please log in first."),
    403: ("Anda tidak berhak membuka halaman ini.", "You may not open this page."),
    404: ("Halaman atau data tidak ditemukan.", "The page or record was not found."),
    405: ("Metode HTTP ini tidak didukung di alamat ini.",
          "This HTTP method is not supported at this address."),
    409: ("Data telah diubah oleh orang lain. Muat ulang lalu coba lagi.",
          "The record was changed by someone else. Reload and try again."),
    413: ("Kiriman terlalu besar.", "The upload is too large."),
    415: ("Jenis isi kiriman tidak didukung. Kirim JSON.",
          "The content type is not supported. Send JSON."),
    429: ("Terlalu banyak permintaan. Coba lagi sebentar lagi.",
          "Too many requests. Try again shortly."),
    500: ("Terjadi kesalahan di server. Sebutkan kode kesalahan saat melapor.",
          "The server failed. Quote the error id when you report it."),
    503: ("Layanan sedang tidak tersedia. Coba lagi sebentar lagi.",
          "The service is unavailable. Try again shortly."),
}


def register_web(app: Flask) -> None:
    """Attach every blueprint and the request and error hooks."""
    from app.api.complaints import bp as complaints_api
    from app.api.locate import bp as locate_api
    from app.api.meta import bp as meta_api
    from app.api.openapi import bp as openapi_api
    from app.assets import assets_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(openapi_api)
    app.register_blueprint(meta_api)
    app.register_blueprint(locate_api)
    app.register_blueprint(complaints_api)
    _register_optional_blueprints(app)

    app.context_processor(_template_globals)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_appcontext(close_db_session)
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(OperationalError, _handle_database_down)
    app.register_error_handler(Exception, _handle_unexpected)


def _register_optional_blueprints(app: Flask) -> None:
    """Feature blueprints register themselves through app.features.BLUEPRINTS."""
    from app.features import blueprints

    for blueprint in blueprints():
        app.register_blueprint(blueprint)


def _template_globals() -> dict:
    from flask import current_app
    from flask import url_for
    from flask_babel import gettext

    from app.features import NAV_LINKS
    from app.services import services

    def nav_links() -> list[dict]:
        links = []
        for endpoint, label in NAV_LINKS:
            if endpoint in current_app.view_functions:
                url = url_for(endpoint)
                links.append({"url": url, "label": gettext(label),
                              "active": request.path == url})
        return links

    def url_with_language(language: str) -> str:
        """Return the current page's URL in another language, keeping its parameters."""
        arguments = request.args.to_dict(flat=False)
        arguments["lang"] = [language]
        return f"{request.path}?{urlencode(arguments, doseq=True)}"

    return {
        "city": services().city,
        "current_language": current_language,
        "nav_links": nav_links,
        "url_with_language": url_with_language,
    }


def _start_request() -> None:
    g.request_id = secrets.token_hex(4)
    g.started = time.perf_counter()


def _finish_request(response):
    elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    log.info(
        "%s %s %d %.0fms", request.method, request.path, response.status_code, elapsed_ms
    )
    response.headers["X-Request-Id"] = g.get("request_id", "-")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # Staff pages have buttons that change records; no other site may frame them.
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


def wants_json() -> bool:
    """API paths and clients that accept only JSON get JSON errors."""
    if request.path.startswith(API_PREFIX) or request.path.startswith("/open311/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _render_error(error: ApiError, error_id: str | None = None):
    language = current_language()
    if wants_json():
        body = error.as_json(language)
        if error_id:
            body["error"]["error_id"] = error_id
        return jsonify(body), error.status
    error_id = error_id or g.get("request_id")
    try:
        page = render_template(
            "error.html", status=error.status, message=error.message(language),
            error_id=error_id,
        )
    except Exception:  # A broken template must not turn an error page into a second error.
        log.exception("error page failed to render (error id %s)", error_id)
        page = (f"<!doctype html><title>{error.status}</title><h1>{error.status}</h1>"
                f"<p>{escape(error.message(language))}</p><p>{escape(error_id)}</p>")
    return page, error.status


def _handle_api_error(error: ApiError):
    log.info("request rejected: %s (field %s)", error.code, error.field)
    return _render_error(error)


def _handle_http_error(error: HTTPException):
    status = error.code or 500
    message_id, message_en = _HTTP_MESSAGES.get(status, (error.name, error.name))
    code = (error.name or "error").lower().replace(" ", "_")
    return _render_error(ApiError(status, code, message_id, message_en))


def _handle_database_down(error: OperationalError):
    error_id = g.get("request_id", secrets.token_hex(4))
    log.error("database unavailable (error id %s): %s", error_id, error.orig)
    message_id, message_en = _HTTP_MESSAGES[503]
    return _render_error(ApiError(503, "database_unavailable", message_id, message_en),
                         error_id)


def _handle_unexpected(error: Exception):
    error_id = g.get("request_id", secrets.token_hex(4))
    log.exception("unhandled error (error id %s) on %s %s", error_id, request.method,
                  request.path)
    message_id, message_en = _HTTP_MESSAGES[500]
    return _render_error(ApiError(500, "internal_error", message_id, message_en), error_id)
