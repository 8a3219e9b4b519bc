"""Getis-Ord Gi* hotspots of complaints on a grid over the city outline.

The grid covers the rank-0 area (the city outline) of the current boundary
version, and cells without complaints count as zeros. Complaints are counted
per cell in PostGIS (app.queries.heatmap.count_lattice_cells), then geo.hotspots
computes Gi* z-scores, normal p-values, Benjamini-Hochberg adjusted p-values
and ArcGIS-style confidence bins.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from dataclasses import replace
from functools import lru_cache

import numpy as np
import shapely
from sqlalchemy.engine import Connection

from app.errors import ApiError
from app.queries.heatmap import LatticeParams
from app.queries.heatmap import count_lattice_cells
from app.queries.heatmap import find_city_outline
from app.queries.stats import AnalysisFilter
from geo.grid import HEXAGON
from geo.grid import SQUARE
from geo.grid import Grid
from geo.grid import make_grid
from geo.hotspots import HotspotResult
from geo.hotspots import default_distance_band_m
from geo.hotspots import find_hotspots
from geo.hotspots import new_hotspots

log = logging.getLogger(__name__)

DEFAULT_CELL_SIZE_M = 250.0
#: Smallest cell size offered: about 21,000 hexagons over Kota Tangerang.
MIN_CELL_SIZE_M = 100.0
MAX_CELL_SIZE_M = 2000.0
#: The distance band may reach from one cell size to this many cell sizes.
MAX_BAND_CELLS = 10.0
GRID_SHAPES = (HEXAGON, SQUARE)
#: Confidence at which a cell counts as hot for "new hot spot".
NEW_HOT_CONFIDENCE = 0.90
MAX_PREVIOUS_MONTHS = 11


@dataclass(frozen=True)
class HotspotMap:
    """Gi* results per grid cell, with the counts they were computed from."""

    grid: Grid
    counts: np.ndarray
    result: HotspotResult
    #: Located complaints that fall in no grid cell (outside the outline's cells).
    outside_grid: int

    @property
    def counted(self) -> int:
        """Complaints that fall in a grid cell."""
        return int(self.counts.sum())


def lattice_params(grid: Grid) -> LatticeParams:
    """Describe a grid's lattice for the SQL that counts complaints per cell.

    geo.grid lays pointy-top hexagons in rows 1.5 circumradii apart, which is
    sqrt(3)/2 cell sizes, with odd rows shifted east by half a cell size.
    Squares sit one cell size apart in both directions.
    """
    hexagon = grid.shape == HEXAGON
    size = grid.cell_size_m
    return LatticeParams(
        srid=grid.crs.to_epsg(),
        origin_x=float(grid.origin_m[0]),
        origin_y=float(grid.origin_m[1]),
        spacing_x=size,
        spacing_y=size * math.sqrt(3) / 2 if hexagon else size,
        odd_offset=size / 2 if hexagon else 0.0,
        hexagon=hexagon,
        rows=grid.lattice_rows,
        columns=grid.lattice_columns,
    )


def boundaries_missing() -> ApiError:
    """Build the error for a city whose boundaries are not loaded yet."""
    return ApiError(
        503,
        "boundaries_missing",
        "Batas wilayah kota belum dimuat. Jalankan `aduan boundaries load`.",
        "The city boundaries are not loaded. Run `aduan boundaries load`.",
    )


@lru_cache(maxsize=16)
def _cached_grid(
    version: int, city_code: str, wkb: bytes, cell_size_m: float, shape: str
) -> Grid:
    # version and city_code are part of the key only; wkb carries the outline.
    return make_grid(shapely.from_wkb(wkb), cell_size_m, shape)


def city_grid(conn: Connection, city_code: str, cell_size_m: float, shape: str) -> Grid:
    """Return the analysis grid over the city outline, cached per boundary version.

    Raises:
        ApiError: 503 when no boundaries are loaded, 400 when the grid has too
            many cells.
    """
    found = find_city_outline(conn, city_code)
    if found is None:
        raise boundaries_missing()
    version, outline = found
    try:
        return _cached_grid(
            version, city_code, shapely.to_wkb(outline), cell_size_m, shape
        )
    except ValueError as error:
        raise ApiError(
            400,
            "invalid_cell_size_m",
            f"Ukuran sel {cell_size_m:g} m tidak dapat dipakai: {error}",
            f"The cell size {cell_size_m:g} m cannot be used: {error}",
            field="cell_size_m",
            value=cell_size_m,
        ) from error


def count_cells(
    conn: Connection, grid: Grid, analysis_filter: AnalysisFilter
) -> tuple[np.ndarray, int]:
    """Count the filtered complaints per grid cell, zeros included.

    Returns:
        Counts in the grid's cell order, and the number of located complaints
        whose lattice cell is not part of the grid.
    """
    by_id = count_lattice_cells(conn, analysis_filter, lattice_params(grid))
    counts = np.zeros(grid.cell_count, dtype=np.int64)
    if not by_id:
        return counts, 0
    ids = np.fromiter(by_id.keys(), dtype=np.int64, count=len(by_id))
    values = np.fromiter(by_id.values(), dtype=np.int64, count=len(by_id))
    positions = np.minimum(np.searchsorted(grid.cell_ids, ids), grid.cell_count - 1)
    found = grid.cell_ids[positions] == ids
    np.add.at(counts, positions[found], values[found])
    return counts, int(values[~found].sum())


def compute_hotspots(
    conn: Connection,
    analysis_filter: AnalysisFilter,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
    shape: str = HEXAGON,
    distance_band_m: float | None = None,
) -> HotspotMap:
    """Count complaints on the city grid and test every cell with Gi*.

    Args:
        conn: Database connection.
        analysis_filter: The complaints to count.
        cell_size_m: Distance between the centres of neighbouring cells.
        shape: "hexagon" or "square".
        distance_band_m: Neighbour distance; None for 2.5 cell sizes.
    """
    grid = city_grid(conn, analysis_filter.city_code, cell_size_m, shape)
    band = distance_band_m or default_distance_band_m(cell_size_m)
    counts, outside = count_cells(conn, grid, analysis_filter)
    result = find_hotspots(counts, grid.centroids_m, band, fdr=True)
    log.debug(
        "hotspots: %d cells, %d complaints, band %.0f m",
        grid.cell_count,
        counts.sum(),
        band,
    )
    return HotspotMap(grid=grid, counts=counts, result=result, outside_grid=outside)


@dataclass(frozen=True)
class MonthlyHotspots:
    """Gi* per month, the latest month last, with the new hot spots of the latest."""

    months: list[dt.date]
    maps: list[HotspotMap]
    #: True for cells hot (at 90 % or more) in the latest month and in none before.
    new_hot: np.ndarray

    @property
    def latest(self) -> HotspotMap:
        """The Gi* results of the latest month."""
        return self.maps[-1]


def month_start(day: dt.date, offset: int = 0) -> dt.date:
    """Return the first day of the month ``offset`` months after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def compute_monthly_hotspots(
    conn: Connection,
    analysis_filter: AnalysisFilter,
    latest_month: dt.date,
    previous_months: int,
    timezone,
    cell_size_m: float = DEFAULT_CELL_SIZE_M,
    shape: str = HEXAGON,
    distance_band_m: float | None = None,
) -> MonthlyHotspots:
    """Run Gi* for the latest month and each of the months before it.

    A cell is a new hot spot when it is hot at 90 % confidence or more in the
    latest month and hot in none of the ``previous_months`` months before.
    The receipt dates of ``analysis_filter`` are replaced by each month.
    """
    months = [
        month_start(latest_month, -back) for back in range(previous_months, -1, -1)
    ]
    maps = []
    for first_day in months:
        start = dt.datetime.combine(first_day, dt.time(), tzinfo=timezone)
        end = dt.datetime.combine(month_start(first_day, 1), dt.time(), tzinfo=timezone)
        month_filter = replace(analysis_filter, received_from=start, received_until=end)
        maps.append(
            compute_hotspots(conn, month_filter, cell_size_m, shape, distance_band_m)
        )
    previous_bins = [hotspot_map.result.bin for hotspot_map in maps[:-1]]
    new_hot = new_hotspots(maps[-1].result.bin, previous_bins, NEW_HOT_CONFIDENCE)
    return MonthlyHotspots(months=months, maps=maps, new_hot=new_hot)


def hotspot_feature_collection(
    hotspot_map: HotspotMap, new_hot: np.ndarray | None = None, decimals: int = 6
) -> dict:
    """Return the grid as an RFC 7946 FeatureCollection with each cell's statistics.

    Outer rings are counter-clockwise. Each feature's properties are cell_id,
    complaints, z, p, p_adjusted and bin (+3 to -3), plus new_hot when given.
    """
    grid = hotspot_map.grid
    result = hotspot_map.result
    polygons = shapely.orient_polygons(np.asarray(grid.polygons_lonlat, dtype=object))
    rings = np.round(shapely.get_coordinates(polygons), decimals)
    ring_length = len(rings) // max(grid.cell_count, 1)
    features = []
    for index in range(grid.cell_count):
        ring = rings[index * ring_length : (index + 1) * ring_length].tolist()
        properties = {
            "cell_id": int(grid.cell_ids[index]),
            "complaints": int(hotspot_map.counts[index]),
            "z": round(float(result.z[index]), 4),
            "p": float(f"{result.p[index]:.4g}"),
            "p_adjusted": float(f"{result.p_adjusted[index]:.4g}"),
            "bin": int(result.bin[index]),
        }
        if new_hot is not None:
            properties["new_hot"] = bool(new_hot[index])
        features.append(
            {
                "type": "Feature",
                "id": int(grid.cell_ids[index]),
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}
