"""Insert synthetic complaints with one SQL statement, for load tests and benchmarks.

These rows bypass intake: they have no contact and no history, and their
routing_rule is ``synthetic``, so they can be found and deleted. Use
`app.demo` for realistic complaints written through intake.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

SYNTHETIC_RULE = "synthetic"

# ST_GeneratePoints with a seed (PostGIS 3.0+) draws reproducible points that
# are uniform over the polygon. Each point takes the kelurahan it falls in, or
# with :locate false the first kelurahan, which keeps a million rows fast.
_INSERT_POINTS = """
WITH region AS (
    SELECT {region} AS geom
),
points AS (
    SELECT dump.path[1] AS n, dump.geom
    FROM region, ST_Dump(ST_GeneratePoints(region.geom, :count, :seed)) AS dump
),
kelurahan AS (
    SELECT a.id, k.id AS parent_id, a.geom
    FROM area a
    JOIN boundary_version v ON v.id = a.boundary_version_id
    LEFT JOIN area k ON k.boundary_version_id = v.id AND k.rank = 1
                    AND k.code = a.parent_code
    WHERE v.city_code = :city_code AND v.is_current AND a.rank = 2
),
first_kelurahan AS (
    SELECT id, parent_id FROM kelurahan ORDER BY id LIMIT 1
),
categories AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(opd_id ORDER BY id) AS opds,
           count(*) AS n
    FROM category WHERE city_code = :city_code
)
INSERT INTO complaint (city_code, tracking_code, category_id, description, opd_id,
                       routing_rule, received_at, due_at, status_changed_at, status,
                       location, location_source, area_id, parent_area_id)
SELECT :city_code, :prefix || lpad(p.n::text, 8, '0'),
       categories.ids[1 + p.n % categories.n],
       'synthetic complaint',
       categories.opds[1 + p.n % categories.n],
       :rule,
       p.received_at, p.received_at + interval '5 days', p.received_at, 'menunggu',
       p.geom, 'import', p.area_id, p.parent_area_id
FROM categories,
     (SELECT points.n, points.geom,
             CAST(:received_from AS timestamptz)
                 + (points.n - 1) / CAST(:count AS float8)
                   * (CAST(:received_until AS timestamptz)
                      - CAST(:received_from AS timestamptz)) AS received_at,
             coalesce(located.id, first_kelurahan.id) AS area_id,
             coalesce(located.parent_id, first_kelurahan.parent_id) AS parent_area_id
      FROM points
      CROSS JOIN first_kelurahan
      LEFT JOIN LATERAL (
          SELECT k.id, k.parent_id FROM kelurahan k
          WHERE :locate AND ST_Intersects(k.geom, points.geom)
          ORDER BY k.id LIMIT 1
      ) AS located ON true) AS p
"""

_CITY_OUTLINE = """(
    SELECT a.geom FROM area a
    JOIN boundary_version v ON v.id = a.boundary_version_id
    WHERE v.city_code = :city_code AND v.is_current AND a.rank = 0)"""

_DISC = """ST_Buffer(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography,
                      :radius_m)::geometry"""


def insert_complaints_in_city(
    conn: Connection,
    city_code: str,
    count: int,
    *,
    received_from: dt.datetime,
    received_until: dt.datetime,
    seed: int = 1,
    prefix: str = "SYN",
    locate: bool = True,
) -> int:
    """Insert ``count`` complaints uniformly over the city outline.

    Receipt instants are spread evenly over [received_from, received_until).
    Tracking codes are ``prefix`` plus an 8-digit number, so each call needs
    its own prefix.

    Returns:
        The number of rows inserted.
    """
    params = _params(
        city_code, count, received_from, received_until, seed, prefix, locate
    )
    statement = _INSERT_POINTS.format(region=_CITY_OUTLINE)
    inserted = conn.execute(text(statement), params).rowcount
    log.info("inserted %d synthetic complaints over city %s", inserted, city_code)
    return inserted


def insert_complaints_in_disc(
    conn: Connection,
    city_code: str,
    count: int,
    lon: float,
    lat: float,
    radius_m: float,
    *,
    received_from: dt.datetime,
    received_until: dt.datetime,
    seed: int = 1,
    prefix: str = "DSC",
) -> int:
    """Insert ``count`` complaints uniformly inside a disc, as a planted cluster.

    Returns:
        The number of rows inserted.
    """
    params = _params(
        city_code, count, received_from, received_until, seed, prefix, True
    )
    params.update(lon=lon, lat=lat, radius_m=radius_m)
    statement = _INSERT_POINTS.format(region=_DISC)
    inserted = conn.execute(text(statement), params).rowcount
    log.info(
        "inserted %d synthetic complaints within %.0f m of a point", inserted, radius_m
    )
    return inserted


def _params(
    city_code, count, received_from, received_until, seed, prefix, locate
) -> dict:
    if count < 1:
        raise ValueError(f"count={count} is invalid: insert at least 1 complaint.")
    if received_until <= received_from:
        raise ValueError(
            f"received_until {received_until.isoformat()} is not after "
            f"received_from {received_from.isoformat()}."
        )
    return {
        "city_code": city_code,
        "count": count,
        "seed": seed,
        "prefix": prefix,
        "locate": locate,
        "rule": SYNTHETIC_RULE,
        "received_from": received_from,
        "received_until": received_until,
    }


def delete_synthetic_complaints(conn: Connection, city_code: str) -> int:
    """Delete the synthetic complaints of a city; return how many were deleted.

    Synthetic complaints have no history rows, so the append-only trigger on
    complaint_event is not involved.
    """
    return conn.execute(
        text(
            "DELETE FROM complaint WHERE city_code = :city_code "
            "AND routing_rule = :rule"
        ),
        {"city_code": city_code, "rule": SYNTHETIC_RULE},
    ).rowcount
