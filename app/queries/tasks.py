"""SQL for field crews: candidate tasks near a point, task details, overdue lists.

Distances are geodesic on the WGS 84 spheroid (ST_Distance on geography with
use_spheroid true). The GiST index complaint_location_gist serves the KNN
operator `<->` and the `&&` box test on complaint.location; complaint_open_due
serves the overdue lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.models import OPEN_STATUSES

_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"

# Conditions every task query shares. A NULL parameter switches its filter off.
_TASK_FILTERS = (
    """
    c.city_code = :city_code
    AND c.location IS NOT NULL
    AND c.status = ANY(CAST(:statuses AS text[]))
    AND (CAST(:opd_id AS integer) IS NULL OR c.opd_id = CAST(:opd_id AS integer))
    AND (CAST(:category AS text) IS NULL OR cat.code = CAST(:category AS text))
    AND (CAST(:box_deg AS float8) IS NULL
         OR c.location && ST_Expand("""
    + _POINT
    + """, CAST(:box_deg AS float8)))
"""
)

# The k nearest tasks by planar distance in degrees (the KNN order the index
# gives), each with its true distance on the spheroid, sorted by that.
FIND_CANDIDATES = text(
    f"""
    WITH candidates AS (
        SELECT c.id, c.location, c.location <-> {_POINT} AS degree_distance
        FROM complaint c
        JOIN category cat ON cat.id = c.category_id
        WHERE {_TASK_FILTERS}
        ORDER BY c.location <-> {_POINT}
        LIMIT :k
    )
    SELECT id, degree_distance,
           ST_Distance(location::geography, {_POINT}::geography, true) AS distance_m
    FROM candidates
    ORDER BY distance_m, id
    """
)

COUNT_TASKS = text(
    f"""
    SELECT count(*)
    FROM complaint c
    JOIN category cat ON cat.id = c.category_id
    WHERE {_TASK_FILTERS}
      AND (CAST(:radius_m AS float8) IS NULL
           OR ST_Distance(c.location::geography, {_POINT}::geography, true)
              <= CAST(:radius_m AS float8))
    """
)

_TASK_COLUMNS = """
    c.id, c.tracking_code, ST_Y(c.location) AS lat, ST_X(c.location) AS lon,
    c.status, c.received_at, c.due_at, c.support_count, c.assigned_user_id,
    c.opd_id, o.code AS opd_code, o.short_name AS opd_short_name,
    cat.code AS category_code, cat.name_id AS category_name_id,
    cat.name_en AS category_name_en,
    kel.name AS kelurahan, kec.name AS kecamatan
"""

_TASK_JOINS = """
    JOIN category cat ON cat.id = c.category_id
    JOIN opd o ON o.id = c.opd_id
    LEFT JOIN area kel ON kel.id = c.area_id
    LEFT JOIN area kec ON kec.id = c.parent_area_id
"""

FIND_TASKS_BY_ID = text(
    f"SELECT {_TASK_COLUMNS} FROM complaint c {_TASK_JOINS} "
    "WHERE c.id = ANY(CAST(:ids AS bigint[]))"
)

FIND_TASKS_BY_CODE = text(
    f"SELECT {_TASK_COLUMNS} FROM complaint c {_TASK_JOINS} "
    "WHERE c.city_code = :city_code "
    "AND c.tracking_code = ANY(CAST(:codes AS text[]))"
)

FIND_OVERDUE = text(
    f"""
    SELECT {_TASK_COLUMNS}, o.name AS opd_name
    FROM complaint c {_TASK_JOINS}
    WHERE c.city_code = :city_code
      AND c.status IN ('menunggu', 'proses')
      AND c.due_at < :now
      AND (CAST(:opd_id AS integer) IS NULL OR c.opd_id = CAST(:opd_id AS integer))
    ORDER BY o.code, c.due_at, c.id
    """
)

# The city outline, simplified to about 20 m, for maps whose tiles fail to load.
FIND_CITY_OUTLINE = text(
    """
    SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, 0.0002), 6)
    FROM area a
    JOIN boundary_version v ON v.id = a.boundary_version_id AND v.is_current
    WHERE a.city_code = :city_code AND a.rank = 0
    """
)


@dataclass(frozen=True)
class Candidate:
    """A task found near a point: its id and distances."""

    id: int
    degree_distance: float
    distance_m: float


@dataclass(frozen=True)
class TaskFilter:
    """Filter that selects the open complaints a query counts as tasks.

    Attributes:
        opd_id: Only this OPD's complaints, or None for every OPD.
        statuses: Statuses to include, a subset of the open statuses.
        category: Category code, or None for every category.
    """

    city_code: str
    opd_id: int | None = None
    statuses: tuple[str, ...] = OPEN_STATUSES
    category: str | None = None


def _parameters(where: TaskFilter, lon: float, lat: float, box_deg: float | None):
    return {
        "city_code": where.city_code,
        "opd_id": where.opd_id,
        "statuses": list(where.statuses),
        "category": where.category,
        "lon": lon,
        "lat": lat,
        "box_deg": box_deg,
    }


def find_candidates(
    conn: Connection,
    where: TaskFilter,
    lon: float,
    lat: float,
    k: int,
    box_deg: float | None = None,
) -> list[Candidate]:
    """Return the k tasks nearest by KNN degree distance, sorted by true distance.

    Args:
        box_deg: Half the side in degrees of a box around the point that every
            task must lie in, or None for no box.
    """
    rows = conn.execute(
        FIND_CANDIDATES, {**_parameters(where, lon, lat, box_deg), "k": k}
    ).all()
    return [Candidate(row.id, row.degree_distance, row.distance_m) for row in rows]


def count_tasks(
    conn: Connection,
    where: TaskFilter,
    lon: float,
    lat: float,
    radius_m: float | None,
    box_deg: float | None,
) -> int:
    """Count the tasks within radius_m metres of the point (all tasks if None)."""
    parameters = {**_parameters(where, lon, lat, box_deg), "radius_m": radius_m}
    return conn.execute(COUNT_TASKS, parameters).scalar_one()


def find_tasks_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, object]:
    """Return task rows (see _TASK_COLUMNS) keyed by complaint id."""
    rows = conn.execute(FIND_TASKS_BY_ID, {"ids": list(ids)}).all()
    return {row.id: row for row in rows}


def find_tasks_by_code(
    conn: Connection, city_code: str, codes: Sequence[str]
) -> dict[str, object]:
    """Return task rows keyed by tracking code; unknown codes are left out."""
    rows = conn.execute(
        FIND_TASKS_BY_CODE, {"city_code": city_code, "codes": list(codes)}
    ).all()
    return {row.tracking_code: row for row in rows}


def find_overdue(
    conn: Connection, city_code: str, now: datetime, opd_id: int | None = None
) -> list:
    """Return open complaints past their due date, by OPD code, then due date."""
    return conn.execute(
        FIND_OVERDUE, {"city_code": city_code, "now": now, "opd_id": opd_id}
    ).all()


def find_city_outline(conn: Connection, city_code: str) -> str | None:
    """Return the current city outline as GeoJSON, or None before boundaries load."""
    return conn.execute(FIND_CITY_OUTLINE, {"city_code": city_code}).scalar()


FIND_CATEGORIES = text(
    "SELECT code, name_id, name_en FROM category "
    "WHERE city_code = :city_code AND active ORDER BY name_id"
)


def find_categories(conn: Connection, city_code: str) -> list:
    """Return (code, name_id, name_en) of the city's active categories, for filters."""
    return conn.execute(FIND_CATEGORIES, {"city_code": city_code}).all()
