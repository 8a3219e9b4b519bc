"""Find a crew's open tasks nearest first by true geodesic distance, page by page.

The GiST index hands out tasks in KNN order of planar distance in degrees,
which differs slightly from the order of true distances on the spheroid. So
:func:`find_nearest_tasks` takes the k nearest by KNN and sorts them by true
distance (ties by id). Then it checks that no task outside those k can be
nearer than the last one it keeps, and fetches more when one could be.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from app.queries.tasks import Candidate
from app.queries.tasks import TaskFilter
from app.queries.tasks import count_tasks
from app.queries.tasks import find_candidates

log = logging.getLogger(__name__)

WGS84_A_M = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)
# The meridian's radius of curvature, a(1 - e^2) / (1 - e^2 sin^2 lat)^1.5, is
# smallest at the equator, so this is its minimum over all latitudes.
MERIDIAN_MIN_M_PER_RAD = WGS84_A_M * (1 - WGS84_E2)

# Latitude margin in degrees for how far a short geodesic can bulge poleward
# of its end points (well under a thousandth of a degree below 100 km).
BULGE_MARGIN_DEG = 1.0

# First number of KNN candidates; it grows fourfold until the page is exact.
MIN_CANDIDATES = 64


@dataclass(frozen=True)
class NearestPage:
    """One page of tasks nearest first, and how many tasks match in all."""

    candidates: list[Candidate]
    total: int


def min_metres_per_degree(lat: float, spread_deg: float) -> float:
    """Return a lower bound of geodesic metres per degree of planar lon/lat distance.

    For points up to spread_deg degrees (planar) from a point at latitude lat,
    the geodesic distance in metres is at least the planar distance in degrees
    times this value. The bound is the smaller of two radii: the meridian's
    minimum radius of curvature, and the equatorial radius times the cosine of
    the farthest latitude the geodesic can reach. The true radii only grow
    towards the poles, so the flat metric of this radius is nowhere longer than
    the spheroid's. Returns 0 when the band reaches a pole.
    """
    band_deg = min(abs(lat) + spread_deg + BULGE_MARGIN_DEG, 90.0)
    per_radian = min(
        MERIDIAN_MIN_M_PER_RAD, WGS84_A_M * math.cos(math.radians(band_deg))
    )
    return max(per_radian, 0.0) * math.pi / 180.0


def radius_box_deg(lat: float, radius_m: float) -> float | None:
    """Return half the side in degrees of a box holding every point within radius_m.

    Returns None where no such box is known (near a pole).
    """
    spread_deg = 2 * radius_m / 100_000.0
    per_degree = min_metres_per_degree(lat, spread_deg)
    if per_degree <= 0:
        return None
    box_deg = radius_m / per_degree
    return box_deg if box_deg <= spread_deg else None


def _is_exact(
    candidates: list[Candidate],
    within: list[Candidate],
    k: int,
    needed: int,
    lat: float,
    radius_m: float | None,
) -> bool:
    """Return whether no task outside the candidates can enter the first places."""
    if len(candidates) < k:
        return True
    farthest_deg = max(candidate.degree_distance for candidate in candidates)
    # Every task left out is at least farthest_deg away in degrees, so at
    # least this far on the spheroid.
    left_out_m = farthest_deg * min_metres_per_degree(lat, farthest_deg)
    if len(within) >= needed:
        return within[needed - 1].distance_m < left_out_m
    return radius_m is not None and radius_m < left_out_m


def find_nearest_tasks(
    conn: Connection,
    where: TaskFilter,
    lon: float,
    lat: float,
    *,
    radius_m: float | None,
    page: int,
    limit: int,
) -> NearestPage:
    """Return page `page` (from 1) of the tasks nearest to (lon, lat).

    Tasks are ordered by geodesic distance on WGS 84, then by id, so pages
    never repeat or skip a task while the data stays the same.

    Args:
        radius_m: Only tasks at most this many metres away, or None for all.
        limit: Tasks per page.
    """
    needed = page * limit
    box_deg = radius_box_deg(lat, radius_m) if radius_m is not None else None
    k = max(MIN_CANDIDATES, 2 * needed)
    while True:
        candidates = find_candidates(conn, where, lon, lat, k, box_deg)
        within = [c for c in candidates if radius_m is None or c.distance_m <= radius_m]
        if _is_exact(candidates, within, k, needed, lat, radius_m):
            break
        log.debug("%d KNN candidates were not enough; fetching %d", k, 4 * k)
        k *= 4

    total = count_tasks(conn, where, lon, lat, radius_m, box_deg)
    return NearestPage(candidates=within[needed - limit : needed], total=total)
