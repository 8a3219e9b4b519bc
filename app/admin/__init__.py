"""Admin and OPD admin pages: staff accounts, overdue complaints and OPD settings."""

from __future__ import annotations

from flask import Blueprint

from app.auth import init_auth

bp = Blueprint("admin", __name__)


@bp.record_once
def _setup(state) -> None:
    init_auth(state.app)


# The view module registers its routes on bp when imported.
from app.admin import pages  # noqa: E402,F401
