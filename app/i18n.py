"""Languages: Bahasa Indonesia first, English on request, through Flask-Babel.

Each feature keeps its own catalogue in app/translations/<feature>/<locale>/
LC_MESSAGES/messages.po; Flask-Babel merges every folder. Message ids are
English. Catalogues are compiled to .mo at start when the .po is newer.
"""

from __future__ import annotations

import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask import request
from flask_babel import Babel

log = logging.getLogger(__name__)

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANGUAGE_COOKIE = "lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def select_language() -> str:
    """?lang= first, then the language cookie, then Accept-Language, then Indonesian."""
    for candidate in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    """Return the request's language, or Indonesian outside a request."""
    try:
        return select_language()
    except RuntimeError:
        return DEFAULT_LANGUAGE


def compile_catalogues(root: Path = TRANSLATIONS_DIR) -> list[str]:
    """Compile every .po under root that is newer than its .mo; return the feature folders."""
    folders = []
    if not root.exists():
        return folders
    for po_path in root.glob("*/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as source:
                catalog = read_po(source)
            with mo_path.open("wb") as target:
                write_mo(target, catalog)
            log.info("compiled %s", po_path.relative_to(root))
    for folder in sorted(path for path in root.iterdir() if path.is_dir()):
        folders.append(str(folder))
    return folders


def init_i18n(app: Flask, timezone: str) -> None:
    """Set up Flask-Babel; dates in pages are shown in the city's time zone."""
    folders = compile_catalogues()
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = timezone
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(folders) or "translations"
    Babel(app, locale_selector=select_language)

    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in LANGUAGES:
            response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, samesite="Lax")
        return response
