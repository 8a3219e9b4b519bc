"""Kecamatan and kelurahan outlines of the current boundary version, as light GeoJSON.

The outlines are simplified with ST_SimplifyPreserveTopology and built once per
boundary version, then served with an ETag so a phone downloads them once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import City
from app.locate import current_version_id
from app.models import Area

log = logging.getLogger(__name__)

# About 2 m at the equator: invisible at street zoom, and it halves the vertices.
SIMPLIFY_TOLERANCE_DEG = 0.00002
COORDINATE_DECIMALS = 6


@dataclass(frozen=True)
class Outlines:
    """A boundary version's outlines as GeoJSON bytes, with their ETag and bounds."""

    version_id: int
    etag: str
    body: bytes
    bounds: tuple[tuple[float, float], tuple[float, float]]


_cache: dict[tuple[str, int], Outlines] = {}
_lock = threading.Lock()


def current_outlines(session: Session, city: City) -> Outlines:
    """Return the outlines of the city's current boundary version, built once.

    Raises:
        ApiError: 503 boundaries_missing when no boundaries are loaded.
    """
    version_id = current_version_id(session.connection(), city)
    key = (city.code, version_id)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached

    outlines = _build(session, version_id)
    with _lock:
        _cache[key] = outlines
    log.info("built outlines of boundary version %d (%d bytes)", version_id,
             len(outlines.body))
    return outlines


def _build(session: Session, version_id: int) -> Outlines:
    simplified = func.ST_SimplifyPreserveTopology(Area.geom, SIMPLIFY_TOLERANCE_DEG)
    rows = session.execute(
        select(Area.rank, Area.level, Area.code, Area.name, Area.parent_code,
               func.ST_AsGeoJSON(simplified, COORDINATE_DECIMALS))
        .where(Area.boundary_version_id == version_id)
        .order_by(Area.rank, Area.code)
    ).all()
    features = [
        {
            "type": "Feature",
            "properties": {"rank": rank, "level": level, "code": code, "name": name,
                           "parent_code": parent_code},
            "geometry": json.loads(geometry),
        }
        for rank, level, code, name, parent_code, geometry in rows
    ]
    body = json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":")).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()[:16]
    return Outlines(version_id, f"{version_id}-{digest}", body,
                    _bounds(session, version_id))


def _bounds(session: Session, version_id: int) -> tuple:
    """((south, west), (north, east)) of the areas, the order Leaflet expects."""
    extent = func.ST_Extent(Area.geom)
    west, south, east, north = session.execute(
        select(func.ST_XMin(extent), func.ST_YMin(extent), func.ST_XMax(extent),
               func.ST_YMax(extent))
        .where(Area.boundary_version_id == version_id)
    ).one()
    return (south, west), (north, east)
