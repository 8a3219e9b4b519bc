"""Field crews: nearest tasks, the day's route and work on a task, as pages and JSON."""

from __future__ import annotations

from flask import Blueprint

from app.auth import init_auth

bp = Blueprint("crew", __name__)


@bp.record_once
def _setup(state) -> None:
    init_auth(state.app)


# The view modules register their routes on bp when imported.
from app.crew import api  # noqa: E402,F401
from app.crew import api_docs  # noqa: E402,F401
from app.crew import pages  # noqa: E402,F401
