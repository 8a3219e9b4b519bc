"""SQL that aggregates complaints into map cells and reads the area shapes maps draw.

Complaints are counted in PostGIS and only counts per cell leave the
database, so the size of a map page follows the number of cells, not the
number of complaints. complaint_location_gist serves the `&&` box test and
complaint_city_received the period condition.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from dataclasses import dataclass

import shapely
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.queries.stats import AnalysisFilter
from app.queries.stats import disable_jit
from app.queries.stats import filter_conditions

log = logging.getLogger(__name__)

_SELECTED = """
FROM complaint c
WHERE {conditions}
"""

_COUNT_LOCATIONS = (
    """
SELECT count(*) AS selected,
       count(*) FILTER (WHERE c.location IS NULL) AS without_location,
       count(*) FILTER (WHERE c.location IS NOT NULL
                        AND NOT c.location && ST_MakeEnvelope(
                            :min_lon, :min_lat, :max_lon, :max_lat, 4326))
           AS outside_box
"""
    + _SELECTED
)

# Cell (column, row) of a fixed degree grid whose lines lie on multiples of
# :size degrees, numbered from the cell of (:min_lon, :min_lat).
_COUNT_DEGREE_CELLS = (
    """
SELECT floor(ST_X(c.location) / :size)::int - :first_column AS column_index,
       floor(ST_Y(c.location) / :size)::int - :first_row AS row_index,
       count(*) AS complaints
"""
    + _SELECTED
    + """
  AND c.location && ST_MakeEnvelope(:min_lon, :min_lat, :max_lon, :max_lat, 4326)
GROUP BY 1, 2
ORDER BY complaints DESC, 1, 2
LIMIT :max_cells
"""
)

# Nearest lattice centre of each point, the same arithmetic as
# geo.grid.assign_points: a hexagon lattice is two rectangular lattices (even
# and odd rows, odd rows shifted east by :odd_offset), and the nearer centre
# of the two wins. With :odd_offset 0 and :hexagon false it is a square grid.
# MATERIALIZED keeps PostgreSQL from inlining the CTE, which would repeat
# ST_Transform in every expression that uses x or y.
_COUNT_LATTICE_CELLS = (
    """
WITH points AS MATERIALIZED (
    SELECT ST_X(p.geom) - :origin_x AS x, ST_Y(p.geom) - :origin_y AS y
    FROM (SELECT ST_Transform(c.location, :srid) AS geom
"""
    + _SELECTED
    + """
          AND c.location IS NOT NULL) AS p
),
rounded AS (
    SELECT x, y,
           round(x / :spacing_x) AS even_column,
           round(y / (2 * :spacing_y)) AS even_row,
           round((x - :odd_offset) / :spacing_x) AS odd_column,
           round((y - :spacing_y) / (2 * :spacing_y)) AS odd_row
    FROM points
),
nearest AS (
    SELECT CASE WHEN NOT :hexagon THEN round(y / :spacing_y)
                WHEN odd_distance < even_distance THEN 2 * odd_row + 1
                ELSE 2 * even_row END AS row_index,
           CASE WHEN NOT :hexagon THEN round(x / :spacing_x)
                WHEN odd_distance < even_distance THEN odd_column
                ELSE even_column END AS column_index
    FROM (SELECT *,
                 (x - even_column * :spacing_x) ^ 2
                     + (y - even_row * 2 * :spacing_y) ^ 2 AS even_distance,
                 (x - :odd_offset - odd_column * :spacing_x) ^ 2
                     + (y - :spacing_y - odd_row * 2 * :spacing_y) ^ 2 AS odd_distance
          FROM rounded) AS measured
)
SELECT (row_index * :columns + column_index)::bigint AS cell_id, count(*) AS complaints
FROM nearest
WHERE row_index BETWEEN 0 AND :rows - 1 AND column_index BETWEEN 0 AND :columns - 1
GROUP BY 1
"""
)

_FIND_OUTLINE = text(
    """
SELECT v.id AS version, ST_AsBinary(a.geom) AS wkb
FROM area a
JOIN boundary_version v ON v.id = a.boundary_version_id
WHERE v.city_code = :city_code AND v.is_current AND a.rank = 0
"""
)

# Outer rings counter-clockwise, as RFC 7946 section 3.1.6 requires. Five
# decimals are about 1 m.
# A tolerance of 0 degrees keeps every vertex.
_FIND_AREA_SHAPES = text(
    """
SELECT a.code, a.name, a.parent_code, a.area_m2,
       ST_AsGeoJSON(ST_ForcePolygonCCW(
           ST_SimplifyPreserveTopology(a.geom, :tolerance)), 5) AS geometry
FROM area a
JOIN boundary_version v ON v.id = a.boundary_version_id
WHERE v.city_code = :city_code AND v.is_current AND a.rank = :rank
ORDER BY a.code
"""
)


@dataclass(frozen=True)
class LocationCounts:
    """How many filtered complaints a map can and cannot place."""

    selected: int
    without_location: int
    #: Located outside the box that the map's grid covers.
    outside_box: int


@dataclass(frozen=True)
class DegreeBox:
    """A fixed degree grid over a box: lines on multiples of ``size`` degrees."""

    size: float
    first_column: int
    first_row: int
    columns: int
    rows: int

    @property
    def cell_count(self) -> int:
        """Number of cells in the box, the most a heatmap over it can have."""
        return self.columns * self.rows

    def bounds(self) -> tuple[float, float, float, float]:
        """Return (min_lon, min_lat, max_lon, max_lat) of the box."""
        return (
            self.first_column * self.size,
            self.first_row * self.size,
            (self.first_column + self.columns) * self.size,
            (self.first_row + self.rows) * self.size,
        )

    def params(self) -> dict:
        """Bound parameters of the box for the queries in this module."""
        min_lon, min_lat, max_lon, max_lat = self.bounds()
        return {
            "size": self.size,
            "first_column": self.first_column,
            "first_row": self.first_row,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
        }


def count_locations(
    conn: Connection,
    analysis_filter: AnalysisFilter,
    bounds: tuple[float, float, float, float],
) -> LocationCounts:
    """Count the filtered complaints, those without a location and those off a box.

    Args:
        conn: Database connection.
        analysis_filter: The complaints to count.
        bounds: (min_lon, min_lat, max_lon, max_lat) of the box a map covers.
    """
    conditions, params = filter_conditions(analysis_filter)
    min_lon, min_lat, max_lon, max_lat = bounds
    row = conn.execute(
        text(_COUNT_LOCATIONS.format(conditions=conditions)),
        {
            **params,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
        },
    ).one()
    return LocationCounts(row.selected, row.without_location, row.outside_box)


def count_degree_cells(
    conn: Connection,
    analysis_filter: AnalysisFilter,
    box: DegreeBox,
    max_cells: int,
) -> list[tuple[int, int, int]]:
    """Count the filtered complaints per cell of a fixed degree grid.

    Returns:
        (column, row, complaints) of at most ``max_cells`` non-empty cells,
        the fullest first. Columns and rows count from the box's corner.
    """
    conditions, params = filter_conditions(analysis_filter)
    disable_jit(conn)
    rows = conn.execute(
        text(_COUNT_DEGREE_CELLS.format(conditions=conditions)),
        {**params, **box.params(), "max_cells": max_cells},
    ).all()
    log.debug("heatmap: %d cells of %g degrees", len(rows), box.size)
    return [(row.column_index, row.row_index, row.complaints) for row in rows]


@dataclass(frozen=True)
class LatticeParams:
    """A grid lattice in a metric CRS, as geo.grid lays it out."""

    srid: int
    origin_x: float
    origin_y: float
    spacing_x: float
    spacing_y: float
    odd_offset: float
    hexagon: bool
    rows: int
    columns: int


def count_lattice_cells(
    conn: Connection, analysis_filter: AnalysisFilter, lattice: LatticeParams
) -> dict[int, int]:
    """Count the filtered complaints per lattice cell of an analysis grid.

    Returns:
        Complaints keyed by lattice id (``row * columns + column``), for the
        cells that contain at least one complaint.
    """
    conditions, params = filter_conditions(analysis_filter)
    disable_jit(conn)
    rows = conn.execute(
        text(_COUNT_LATTICE_CELLS.format(conditions=conditions)),
        {**params, **asdict(lattice)},
    ).all()
    return {row.cell_id: row.complaints for row in rows}


def find_city_outline(conn: Connection, city_code: str) -> tuple[int, object] | None:
    """Return (boundary version id, outline as a shapely geometry), or None.

    The outline is the rank-0 area of the city's current boundary version.
    """
    row = conn.execute(_FIND_OUTLINE, {"city_code": city_code}).one_or_none()
    if row is None:
        return None
    return row.version, shapely.from_wkb(bytes(row.wkb))


@dataclass(frozen=True)
class AreaShape:
    """An area of the current boundary version with its GeoJSON geometry text."""

    code: str
    name: str
    parent_code: str | None
    area_m2: float
    geometry: str


def find_area_shapes(
    conn: Connection, city_code: str, rank: int, tolerance: float = 0.0
) -> list[AreaShape]:
    """List the areas of one rank in the current boundary version, by code.

    Args:
        conn: Database connection.
        city_code: The city.
        rank: 0 for the outline, 1 for kecamatan, 2 for kelurahan.
        tolerance: Simplification tolerance in degrees (0.0001 is about 11 m).
    """
    rows = conn.execute(
        _FIND_AREA_SHAPES,
        {"city_code": city_code, "rank": rank, "tolerance": tolerance},
    )
    return [AreaShape(*row) for row in rows]
