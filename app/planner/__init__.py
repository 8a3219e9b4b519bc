"""Planner pages and API: heatmaps, Gi* hotspots, area maps, figures and exports."""

from __future__ import annotations

from app.planner import api  # noqa: F401 - registers the JSON routes
from app.planner import exports  # noqa: F401 - registers the export routes
from app.planner import views  # noqa: F401 - registers the pages
from app.planner.blueprint import bp

__all__ = ["bp"]
