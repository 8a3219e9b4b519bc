"""Place points in the current boundary version: the one code path for CLI, API and intake."""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from typing import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.config import City
from app.errors import ApiError
from app.queries.areas import AreaRow
from app.queries.areas import find_areas
from app.queries.areas import find_candidates
from app.queries.areas import find_nearest
from app.queries.areas import find_within
from geo.locate_rules import Candidate
from geo.locate_rules import place_among_candidates
from geo.locate_rules import place_in_gap_or_outside

log = logging.getLogger(__name__)

# Points per statement; keeps the arrays sent to PostgreSQL small.
BATCH_SIZE = 2000
# Uncertainty assumed for a location whose accuracy is unknown.
DEFAULT_UNCERTAINTY_M = 15.0


@dataclass
class Location:
    """The areas of one point, as located against one boundary version."""

    boundary_version_id: int
    match: str
    distance_m: float | None
    area: AreaRow | None
    parent_area: AreaRow | None
    near_border: list[dict] = field(default_factory=list)

    @property
    def outside(self) -> bool:
        return self.match == "outside"

    def as_json(self, city: City) -> dict:
        """The object that `aduan locate` prints and /api/locate returns."""
        result: dict = {}
        areas = {city.leaf_level.key: self.area}
        if city.parent_level is not None:
            areas = {city.parent_level.key: self.parent_area, **areas}
        for level_key, area in areas.items():
            result[f"{level_key}_code"] = area.code if area else None
            result[f"{level_key}_name"] = area.name if area else None
        result["match"] = self.match
        result["outside"] = self.outside
        result["distance_m"] = (
            round(self.distance_m, 1) if self.distance_m is not None else None
        )
        result["near_border"] = self.near_border
        return result


def current_version_id(conn: Connection, city: City) -> int:
    """Return the id of the city's current boundary version.

    Raises:
        ApiError: no boundaries were loaded for the city (503).
    """
    version = conn.execute(
        text(
            "SELECT id FROM boundary_version WHERE city_code = :city AND is_current"
        ),
        {"city": city.code},
    ).scalar()
    if version is None:
        raise ApiError(
            503,
            "boundaries_missing",
            f"Batas wilayah {city.name} belum dimuat. Jalankan: aduan boundaries load.",
            f"No boundaries are loaded for {city.name}. Run: aduan boundaries load.",
        )
    return version


def locate_points(
    conn: Connection,
    city: City,
    points: Sequence[tuple[float, float]],
    *,
    near_radius_m: float = DEFAULT_UNCERTAINTY_M,
    version: int | None = None,
) -> list[Location]:
    """Locate (lon, lat) points; the result is in the order of the input.

    Raises:
        ValueError: a point is not a finite longitude/latitude pair.
        ApiError: no boundaries are loaded for the city (503).
    """
    _check_points(points)
    version = version if version is not None else current_version_id(conn, city)
    areas = find_areas(conn, version)
    results: list[Location] = []
    for start in range(0, len(points), BATCH_SIZE):
        batch = list(points[start : start + BATCH_SIZE])
        results.extend(_locate_batch(conn, city, version, areas, batch, near_radius_m))
    return results


def _check_points(points: Sequence[tuple[float, float]]) -> None:
    for index, (lon, lat) in enumerate(points):
        finite = math.isfinite(lon) and math.isfinite(lat)
        if not (finite and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(
                f"Point {index} (lon {lon}, lat {lat}) is not a longitude/latitude "
                "pair; check coordinates before locating them."
            )


def _locate_batch(conn, city, version, areas, points, near_radius_m) -> list[Location]:
    rank = len(city.levels)
    candidates: dict[int, list[Candidate]] = defaultdict(list)
    for ordinal, code, on_boundary, covers, depth_m in find_candidates(
        conn, version, rank, points
    ):
        candidates[ordinal].append(
            Candidate(code, bool(covers) and not on_boundary, bool(on_boundary), depth_m)
        )

    placements = {}
    for ordinal in range(1, len(points) + 1):
        placements[ordinal] = place_among_candidates(candidates.get(ordinal, ()))
    unplaced = [ordinal for ordinal, placed in placements.items() if placed is None]
    if unplaced:
        _place_unplaced(conn, version, rank, points, unplaced, placements)

    near = _near_border(conn, version, rank, points, placements, areas, near_radius_m)
    locations = []
    for ordinal in range(1, len(points) + 1):
        placed = placements[ordinal]
        area = areas.get(placed.code) if placed.code else None
        parent = areas.get(area.parent_code) if area and area.parent_code else None
        locations.append(
            Location(version, placed.match, placed.distance_m, area, parent, near[ordinal])
        )
    return locations


def _place_unplaced(conn, version, rank, points, unplaced, placements) -> None:
    subset = [points[ordinal - 1] for ordinal in unplaced]
    measured: dict[int, dict] = {}
    for ordinal, in_city, city_distance_m, code, distance_m in find_nearest(
        conn, version, rank, subset
    ):
        entry = measured.setdefault(
            ordinal, {"in_city": in_city, "city_m": city_distance_m, "nearest": []}
        )
        if code is not None:
            entry["nearest"].append((code, distance_m))
    for position, ordinal in enumerate(unplaced, start=1):
        entry = measured[position]
        placements[ordinal] = place_in_gap_or_outside(
            entry["in_city"], entry["city_m"], entry["nearest"]
        )


def _near_border(conn, version, rank, points, placements, areas, radius_m) -> dict:
    near: dict[int, list[dict]] = defaultdict(list)
    if not radius_m or radius_m <= 0 or math.isnan(radius_m):
        return near
    for ordinal, code, distance_m in find_within(conn, version, rank, points, radius_m):
        placed = placements[ordinal]
        if placed.code is None or code == placed.code:
            continue
        area = areas[code]
        parent = areas.get(area.parent_code) if area.parent_code else None
        near[ordinal].append(
            {
                "code": area.code,
                "name": area.name,
                "parent_code": parent.code if parent else None,
                "parent_name": parent.name if parent else None,
                "distance_m": round(distance_m, 1),
            }
        )
    for entries in near.values():
        entries.sort(key=lambda entry: (entry["distance_m"], entry["code"]))
    return near
