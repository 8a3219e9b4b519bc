"""Regular hexagon or square analysis grid over a city outline for hotspot maps."""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS
from pyproj import Transformer
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon

logger = logging.getLogger(__name__)

HEXAGON = "hexagon"
SQUARE = "square"
SHAPES = (HEXAGON, SQUARE)
MAX_CELL_SIZE_M = 20_000.0
MAX_CELLS = 200_000

_WGS84 = CRS.from_epsg(4326)


@dataclass(frozen=True, eq=False)
class Grid:
    """Analysis grid cells kept because they intersect a city outline.

    Cells are laid on a lattice in a local metric CRS. Hexagons are pointy-top:
    rows run west to east and odd rows are shifted east by half a cell.
    ``cell_size_m`` is the distance between the centres of two cells that share
    an edge, which for squares equals the side length. Array positions
    (0 .. n-1) index every per-cell array and are what `assign_points` returns.
    """

    #: Lattice id per cell, ``row * lattice_columns + column``, in ascending
    #: order. Ids are stable only for the same outline, cell size and shape.
    cell_ids: np.ndarray
    #: Cell outlines in EPSG:4326 (lon, lat), one per cell.
    polygons_lonlat: list[Polygon]
    #: Cell centres in ``crs`` as an (n, 2) array of metres.
    centroids_m: np.ndarray
    #: Metric CRS of the lattice: the UTM zone of the outline's centroid.
    crs: CRS
    cell_size_m: float
    shape: str
    #: Centre of lattice cell (row 0, column 0) in ``crs``.
    origin_m: tuple[float, float]
    lattice_rows: int
    lattice_columns: int

    @property
    def cell_count(self) -> int:
        """Number of cells in the grid."""
        return len(self.cell_ids)


@dataclass(frozen=True)
class _Lattice:
    """Spacing and cell outline of one lattice shape, in metres."""

    spacing_x: float
    spacing_y: float
    odd_row_offset: float
    circumradius: float
    cell_area: float
    vertex_offsets: np.ndarray


def _lattice_for(shape: str, cell_size_m: float) -> _Lattice:
    if shape == SQUARE:
        half = cell_size_m / 2
        corners = [(-half, -half), (half, -half), (half, half), (-half, half)]
        return _Lattice(
            spacing_x=cell_size_m,
            spacing_y=cell_size_m,
            odd_row_offset=0.0,
            circumradius=cell_size_m / math.sqrt(2),
            cell_area=cell_size_m**2,
            vertex_offsets=np.array(corners),
        )

    # Pointy-top hexagon: vertices at 30, 90, ..., 330 degrees.
    radius = cell_size_m / math.sqrt(3)
    angles = np.radians(30.0 + 60.0 * np.arange(6))
    return _Lattice(
        spacing_x=cell_size_m,
        spacing_y=1.5 * radius,
        odd_row_offset=cell_size_m / 2,
        circumradius=radius,
        cell_area=math.sqrt(3) / 2 * cell_size_m**2,
        vertex_offsets=np.column_stack([np.cos(angles), np.sin(angles)]) * radius,
    )


def make_grid(
    outline: Polygon | MultiPolygon,
    cell_size_m: float = 250.0,
    shape: str = HEXAGON,
    *,
    max_cells: int = MAX_CELLS,
) -> Grid:
    """Build a regular grid that covers a city outline.

    Every cell that intersects the outline is kept, so cells without complaints
    still exist and the union of the cells covers the whole outline.

    Args:
        outline: City outline as a shapely Polygon or MultiPolygon in EPSG:4326
            (lon, lat).
        cell_size_m: Distance in metres between the centres of two cells that
            share an edge (the side length for squares).
        shape: ``"hexagon"`` (pointy-top) or ``"square"``.
        max_cells: Maximum number of cells before the grid is rejected.

    Raises:
        ValueError: If the outline is not a valid, non-empty (Multi)Polygon in
            lon/lat, the cell size or shape is invalid, or the grid would have
            more than ``max_cells`` cells.
    """
    _check_grid_parameters(cell_size_m, shape, max_cells)
    _check_outline(outline)
    crs = _utm_crs_for(outline)
    to_metric = Transformer.from_crs(_WGS84, crs, always_xy=True)
    outline_m = shapely.transform(outline, lambda xy: _transform_xy(to_metric, xy))
    lattice = _lattice_for(shape, cell_size_m)

    minimum_cells = math.ceil(outline_m.area / lattice.cell_area)
    if minimum_cells > max_cells:
        _raise_too_many_cells(
            f"at least {minimum_cells}", outline_m, shape, cell_size_m, max_cells
        )

    grid = _build_grid(outline_m, crs, lattice, cell_size_m, shape)
    if grid.cell_count > max_cells:
        _raise_too_many_cells(
            str(grid.cell_count), outline_m, shape, cell_size_m, max_cells
        )
    logger.debug(
        "Built %d %s cells of %s m in %s", grid.cell_count, shape, cell_size_m, crs
    )
    return grid


def _check_grid_parameters(cell_size_m: float, shape: str, max_cells: int) -> None:
    if shape not in SHAPES:
        raise ValueError(
            f"Invalid grid shape {shape!r}: use one of {', '.join(SHAPES)}."
        )
    if not isinstance(cell_size_m, numbers.Real) or isinstance(cell_size_m, bool):
        raise ValueError(f"Invalid cell_size_m={cell_size_m!r}: expected a number.")
    if not 0 < cell_size_m <= MAX_CELL_SIZE_M:
        raise ValueError(
            f"Invalid cell_size_m={cell_size_m}: it must be greater than 0 and at "
            f"most {MAX_CELL_SIZE_M:g} metres."
        )
    if max_cells < 1:
        raise ValueError(f"Invalid max_cells={max_cells}: it must be at least 1.")


def _check_outline(outline: object) -> None:
    if not isinstance(outline, (Polygon, MultiPolygon)):
        raise ValueError(
            "The outline must be a shapely Polygon or MultiPolygon in EPSG:4326, "
            f"got {type(outline).__name__}."
        )
    if outline.is_empty:
        raise ValueError("The outline is empty: pass the city outline polygon.")
    if not outline.is_valid:
        raise ValueError(
            f"The outline is invalid ({shapely.is_valid_reason(outline)}): repair "
            "it, for example with shapely.make_valid, before building a grid."
        )
    min_lon, min_lat, max_lon, max_lat = outline.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise ValueError(
            f"The outline bounds {outline.bounds} are not lon/lat degrees: "
            "reproject the outline to EPSG:4326 first."
        )


def _utm_crs_for(outline: Polygon | MultiPolygon) -> CRS:
    """Return the WGS 84 UTM zone CRS that contains the outline's centroid."""
    centroid = outline.centroid
    if not -80 <= centroid.y <= 84:
        raise ValueError(
            f"The outline centroid latitude {centroid.y:.3f} is outside the UTM "
            "range of -80 to 84 degrees, so no metric grid can be laid."
        )
    zone = int((centroid.x + 180) // 6) % 60 + 1
    base = 32600 if centroid.y >= 0 else 32700
    return CRS.from_epsg(base + zone)


def _transform_xy(transformer: Transformer, xy: np.ndarray) -> np.ndarray:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _build_grid(
    outline_m: Polygon | MultiPolygon,
    crs: CRS,
    lattice: _Lattice,
    cell_size_m: float,
    shape: str,
) -> Grid:
    # A cell that touches the outline has its centre within one circumradius of
    # it. The 5 % margin covers buffer() drawing arcs as chords.
    candidate_area = outline_m.buffer(1.05 * lattice.circumradius)
    min_x, min_y, max_x, max_y = candidate_area.bounds
    origin = (min_x - lattice.spacing_x, min_y - lattice.spacing_y)
    rows = int((max_y - origin[1]) // lattice.spacing_y) + 1
    columns = int((max_x - origin[0]) // lattice.spacing_x) + 1

    row, column = _candidate_cells(candidate_area, lattice, origin, rows)
    ids, first = np.unique(row * columns + column, return_index=True)
    row = row[first]
    column = column[first]
    centres = _cell_centres(lattice, origin, row, column)
    corners_m = centres[:, None, :] + lattice.vertex_offsets[None, :, :]

    shapely.prepare(outline_m)
    keep = shapely.intersects(shapely.polygons(corners_m), outline_m)
    corners_m = corners_m[keep]
    to_lonlat = Transformer.from_crs(crs, _WGS84, always_xy=True)
    corners_lonlat = _transform_xy(to_lonlat, corners_m.reshape(-1, 2))
    polygons = shapely.polygons(corners_lonlat.reshape(corners_m.shape))

    return Grid(
        cell_ids=ids[keep].astype(np.int64),
        polygons_lonlat=list(polygons),
        centroids_m=centres[keep],
        crs=crs,
        cell_size_m=float(cell_size_m),
        shape=shape,
        origin_m=origin,
        lattice_rows=rows,
        lattice_columns=columns,
    )


def _candidate_cells(
    area_m: Polygon | MultiPolygon,
    lattice: _Lattice,
    origin: tuple[float, float],
    rows: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return row and column numbers of the lattice centres inside ``area_m``.

    Each lattice row is cut with the area as a horizontal line, so the work and
    memory follow the number of centres inside the area, not its bounding box.
    """
    min_x, _, max_x, _ = area_m.bounds
    y = origin[1] + np.arange(rows) * lattice.spacing_y
    starts = np.column_stack([np.full(rows, min_x - 1.0), y])
    ends = np.column_stack([np.full(rows, max_x + 1.0), y])
    lines = shapely.linestrings(np.stack([starts, ends], axis=1))

    pieces, piece_row = shapely.get_parts(
        shapely.intersection(lines, area_m), return_index=True
    )
    not_empty = ~shapely.is_empty(pieces)
    bounds = shapely.bounds(pieces[not_empty])
    piece_row = piece_row[not_empty]

    shift = origin[0] + (piece_row % 2) * lattice.odd_row_offset
    first = np.ceil((bounds[:, 0] - shift) / lattice.spacing_x).astype(np.int64)
    last = np.floor((bounds[:, 2] - shift) / lattice.spacing_x).astype(np.int64)
    counts = np.maximum(last - first + 1, 0)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(piece_row, counts), np.repeat(first, counts) + offsets


def _cell_centres(
    lattice: _Lattice,
    origin: tuple[float, float],
    row: np.ndarray,
    column: np.ndarray,
) -> np.ndarray:
    x = origin[0] + column * lattice.spacing_x + (row % 2) * lattice.odd_row_offset
    y = origin[1] + row * lattice.spacing_y
    return np.column_stack([x, y])


def _suggest_cell_size(
    outline_m: Polygon | MultiPolygon,
    shape: str,
    cell_size_m: float,
    max_cells: int,
) -> int | None:
    """Return a whole-metre cell size whose grid has at most ``max_cells`` cells.

    Kept cells are disjoint and lie inside the outline buffered by twice the
    circumradius, so that buffer's area over the cell area bounds their number.
    Returns None when even the maximum cell size does not fit.
    """

    def max_cell_count(size: float) -> float:
        lattice = _lattice_for(shape, size)
        buffered = outline_m.buffer(2.1 * lattice.circumradius)
        return buffered.area / lattice.cell_area

    unit_area = _lattice_for(shape, 1.0).cell_area
    size = math.ceil(
        max(cell_size_m, math.sqrt(outline_m.area / (max_cells * unit_area)))
    )
    while max_cell_count(size) > max_cells:
        size = math.ceil(size * 1.02)
        if size > MAX_CELL_SIZE_M:
            return None
    return size


def _raise_too_many_cells(
    count_text: str,
    outline_m: Polygon | MultiPolygon,
    shape: str,
    cell_size_m: float,
    max_cells: int,
) -> None:
    problem = (
        f"cell_size_m={cell_size_m} gives {count_text} cells over this outline, "
        f"more than the maximum of {max_cells}"
    )
    suggested = _suggest_cell_size(outline_m, shape, cell_size_m, max_cells)
    if suggested is None:
        raise ValueError(
            f"{problem}, and no cell size up to {MAX_CELL_SIZE_M:g} m fits: "
            "use a smaller outline."
        )
    raise ValueError(
        f"{problem}: use cell_size_m={suggested} or larger, or a smaller outline."
    )


def assign_points(grid: Grid, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Find the grid cell that contains each point.

    The points are projected to the grid's CRS and matched to the nearest
    lattice centre arithmetically, which for a regular lattice is the cell that
    contains the point. A point on a shared edge goes to either cell.

    Args:
        grid: Grid from `make_grid`.
        lon: Longitudes in EPSG:4326 degrees.
        lat: Latitudes in EPSG:4326 degrees, same shape as ``lon``.

    Returns:
        Cell position (index into the grid's arrays) per point, as int64 with
        the shape of ``lon``. Points outside every cell and points with
        non-finite coordinates get -1. A point outside the outline but inside a
        kept edge cell gets that cell.

    Raises:
        ValueError: If ``lon`` and ``lat`` differ in shape.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape:
        raise ValueError(
            f"lon has shape {lon.shape} but lat has shape {lat.shape}: pass one "
            "longitude and one latitude per point."
        )
    to_metric = Transformer.from_crs(_WGS84, grid.crs, always_xy=True)
    x, y = to_metric.transform(lon.ravel(), lat.ravel())
    x = np.asarray(x) - grid.origin_m[0]
    y = np.asarray(y) - grid.origin_m[1]

    positions = np.full(x.shape, -1, dtype=np.int64)
    finite = np.isfinite(x) & np.isfinite(y)
    lattice = _lattice_for(grid.shape, grid.cell_size_m)
    row, column = _nearest_lattice_cell(lattice, x[finite], y[finite])
    inside = (
        (row >= 0)
        & (row < grid.lattice_rows)
        & (column >= 0)
        & (column < grid.lattice_columns)
    )
    ids = row * grid.lattice_columns + column
    found = np.searchsorted(grid.cell_ids, ids)
    found = np.minimum(found, grid.cell_count - 1)
    matched = inside & (grid.cell_ids[found] == ids)
    positions[np.flatnonzero(finite)[matched]] = found[matched]
    return positions.reshape(lon.shape)


def _nearest_lattice_cell(
    lattice: _Lattice, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return row and column of the nearest lattice centre to offsets from origin."""
    if lattice.odd_row_offset == 0:
        column = np.rint(x / lattice.spacing_x).astype(np.int64)
        row = np.rint(y / lattice.spacing_y).astype(np.int64)
        return row, column

    # The hexagon lattice is two rectangular lattices, even rows and odd rows,
    # each with rows twice as far apart. Round to each, then keep the nearer.
    row_pitch = 2 * lattice.spacing_y
    even_column = np.rint(x / lattice.spacing_x)
    even_row = np.rint(y / row_pitch)
    odd_column = np.rint((x - lattice.odd_row_offset) / lattice.spacing_x)
    odd_row = np.rint((y - lattice.spacing_y) / row_pitch)

    even_distance = np.hypot(
        x - even_column * lattice.spacing_x, y - even_row * row_pitch
    )
    odd_distance = np.hypot(
        x - lattice.odd_row_offset - odd_column * lattice.spacing_x,
        y - lattice.spacing_y - odd_row * row_pitch,
    )
    use_odd = odd_distance < even_distance
    row = np.where(use_odd, 2 * odd_row + 1, 2 * even_row).astype(np.int64)
    column = np.where(use_odd, odd_column, even_column).astype(np.int64)
    return row, column
