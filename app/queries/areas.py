"""SQL that measures points against the areas of a boundary version.

Every query takes many points at once as two float8 arrays, so `aduan locate
--csv` and complaint intake run the same statements. The GiST index
area_geom_gist serves the `&&`, ST_DWithin and `<->` conditions on area.geom.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

from geo.locate_rules import EDGE_TOLERANCE_DEG

_POINTS = """
    WITH points AS (
        SELECT p.ordinal, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) AS geom
        FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]))
             WITH ORDINALITY AS p(lon, lat, ordinal)
    )
"""

FIND_CANDIDATES = text(
    _POINTS
    + """
    SELECT points.ordinal, a.code,
           ST_DWithin(ST_Boundary(a.geom), points.geom, :tolerance) AS on_boundary,
           ST_Intersects(a.geom, points.geom) AS covers,
           ST_Distance(ST_Boundary(a.geom)::geography, points.geom::geography) AS depth_m
    FROM points
    JOIN area a
      ON a.boundary_version_id = :version
     AND a.rank = :rank
     AND ST_DWithin(a.geom, points.geom, :tolerance)
    """
)

# Inside the city, the KNN operator `<->` orders areas by planar distance in
# degrees, and the five closest are measured on the spheroid, where the true
# nearest is chosen. Outside, only the distance to the outline is measured,
# because geography distances to many polygons are the slow part.
FIND_NEAREST = text(
    _POINTS
    + """
    SELECT points.ordinal,
           inside.in_city,
           CASE WHEN inside.in_city THEN 0.0
                ELSE ST_Distance(outline.geom::geography, points.geom::geography)
           END AS city_distance_m,
           nearest.code,
           nearest.distance_m
    FROM points
    JOIN area outline
      ON outline.boundary_version_id = :version AND outline.rank = 0
    CROSS JOIN LATERAL (SELECT ST_Covers(outline.geom, points.geom) AS in_city) AS inside
    LEFT JOIN LATERAL (
        SELECT a.code, ST_Distance(a.geom::geography, points.geom::geography) AS distance_m
        FROM area a
        WHERE inside.in_city AND a.boundary_version_id = :version AND a.rank = :rank
        ORDER BY a.geom <-> points.geom
        LIMIT 5
    ) AS nearest ON true
    """
)

# The first ST_DWithin, in degrees, lets the GiST index cut the candidates. Its
# radius is widened by 1/cos(latitude), so it never cuts a true candidate.
FIND_WITHIN = text(
    _POINTS
    + """
    SELECT points.ordinal, a.code,
           ST_Distance(a.geom::geography, points.geom::geography) AS distance_m
    FROM points
    JOIN area a
      ON a.boundary_version_id = :version
     AND a.rank = :rank
     AND ST_DWithin(
             a.geom, points.geom,
             :radius_m / 110000.0 / greatest(cos(radians(ST_Y(points.geom))), 0.01))
     AND ST_DWithin(a.geom::geography, points.geom::geography, :radius_m)
    """
)

FIND_AREAS = text(
    """
    SELECT id, code, name, level, rank, parent_code
    FROM area
    WHERE boundary_version_id = :version AND rank > 0
    """
)


@dataclass(frozen=True)
class AreaRow:
    """An area's identity without its geometry."""

    id: int
    code: str
    name: str
    level: str
    rank: int
    parent_code: str | None


def _point_arrays(points: Sequence[tuple[float, float]]) -> dict:
    return {"lons": [lon for lon, _ in points], "lats": [lat for _, lat in points]}


def find_candidates(conn: Connection, version: int, rank: int, points) -> list:
    """Rows (ordinal, code, on_boundary, covers, depth_m) of areas at or near each point."""
    return conn.execute(
        FIND_CANDIDATES,
        {**_point_arrays(points), "version": version, "rank": rank,
         "tolerance": EDGE_TOLERANCE_DEG},
    ).all()


def find_nearest(conn: Connection, version: int, rank: int, points) -> list:
    """Rows (ordinal, in_city, city_distance_m, code, distance_m) of the closest areas."""
    return conn.execute(
        FIND_NEAREST, {**_point_arrays(points), "version": version, "rank": rank}
    ).all()


def find_within(conn: Connection, version: int, rank: int, points, radius_m: float) -> list:
    """Rows (ordinal, code, distance_m) of areas within radius_m metres of each point."""
    return conn.execute(
        FIND_WITHIN,
        {**_point_arrays(points), "version": version, "rank": rank, "radius_m": radius_m},
    ).all()


# A boundary version never changes once written, so its areas can be kept.
_AREAS_BY_VERSION: dict[tuple[str, int], dict[str, AreaRow]] = {}


def find_areas(conn: Connection, version: int) -> dict[str, AreaRow]:
    """Every area of a version except the outline, keyed by code."""
    key = (conn.engine.url.render_as_string(hide_password=True), version)
    cached = _AREAS_BY_VERSION.get(key)
    if cached is None:
        rows = conn.execute(FIND_AREAS, {"version": version}).all()
        cached = {row.code: AreaRow(*row) for row in rows}
        if len(_AREAS_BY_VERSION) > 64:
            _AREAS_BY_VERSION.clear()
        _AREAS_BY_VERSION[key] = cached
    return cached
