"""Open311 GeoReport v2: the city's categories and complaints for 311 clients."""

from __future__ import annotations

from app.open311.views import bp

__all__ = ["bp"]
