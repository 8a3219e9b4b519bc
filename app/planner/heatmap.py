"""Heatmap cells: a fixed degree grid over the city, counted in PostGIS, one scale.

The grid has lines on multiples of `CELL_DEGREES` (0.002 degrees, about 220 m
at the latitude of Kota Tangerang) and covers the bounding box of the city
outline plus one cell on each side. A map sends at most `MAX_CELLS` non-empty
cells to the page, whatever the number of complaints: the grid over Kota
Tangerang's box has 102 x 83 = 8,466 cells, below that limit, and a city
with a larger box keeps its fullest cells and reports how many were left out.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from app.queries.heatmap import DegreeBox
from app.queries.heatmap import LocationCounts
from app.queries.heatmap import count_degree_cells
from app.queries.heatmap import count_locations
from app.queries.stats import AnalysisFilter

log = logging.getLogger(__name__)

CELL_DEGREES = 0.002
MAX_CELLS = 10_000
#: Largest entry of one cell in the page, ``[column,row,count],`` with columns
#: and rows below 1,000 and counts below ten million. A heatmap page is at most
#: its fixed part plus this many bytes per cell of the box.
MAX_CELL_ENTRY_BYTES = 18
#: Sequential colours, light to dark: ColorBrewer YlOrRd (9 classes) without its
#: two palest, which vanish on a light base map.
CLASS_COLORS = (
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#bd0026",
    "#800026",
)
#: Class lower bounds are multiples of a power of ten by one of these ladders,
#: the finest ladder that gives at most len(CLASS_COLORS) classes.
_LADDERS = ((1, 2, 5), (1, 3), (1,))


def degree_box(
    bounds: tuple[float, float, float, float], size: float = CELL_DEGREES
) -> DegreeBox:
    """Lay the fixed degree grid over a bounding box, one spare cell on each side."""
    min_lon, min_lat, max_lon, max_lat = bounds
    first_column = math.floor(min_lon / size) - 1
    first_row = math.floor(min_lat / size) - 1
    last_column = math.floor(max_lon / size) + 1
    last_row = math.floor(max_lat / size) + 1
    return DegreeBox(
        size=size,
        first_column=first_column,
        first_row=first_row,
        columns=last_column - first_column + 1,
        rows=last_row - first_row + 1,
    )


@dataclass(frozen=True)
class HeatmapCells:
    """Complaint counts per non-empty degree cell, with what the map leaves out."""

    box: DegreeBox
    #: (column, row, complaints), the fullest first.
    cells: list[tuple[int, int, int]]
    locations: LocationCounts
    #: Non-empty cells beyond MAX_CELLS that the map does not show.
    cells_left_out: int
    complaints_left_out: int

    @property
    def max_count(self) -> int:
        """Complaints in the fullest cell, 0 without cells."""
        return self.cells[0][2] if self.cells else 0

    @property
    def mapped(self) -> int:
        """Complaints drawn on the map."""
        return sum(cell[2] for cell in self.cells)


def find_heatmap_cells(
    conn: Connection, analysis_filter: AnalysisFilter, box: DegreeBox
) -> HeatmapCells:
    """Count the filtered complaints per degree cell, at most MAX_CELLS cells."""
    cells = count_degree_cells(conn, analysis_filter, box, MAX_CELLS + 1)
    locations = count_locations(conn, analysis_filter, box.bounds())
    left_out = cells[MAX_CELLS:]
    if left_out:
        log.warning(
            "heatmap has more than %d cells; the emptiest are left out", MAX_CELLS
        )
    in_box = locations.selected - locations.without_location - locations.outside_box
    mapped = sum(cell[2] for cell in cells[:MAX_CELLS])
    return HeatmapCells(
        box=box,
        cells=cells[:MAX_CELLS],
        locations=locations,
        cells_left_out=len(left_out),
        complaints_left_out=in_box - mapped,
    )


def class_breaks(max_count: int) -> list[int]:
    """Return the lower bounds of the colour classes for counts from 1 to max_count.

    The bounds follow a 1-2-5 ladder (1, 2, 5, 10, 20, ...), or a coarser one
    when that gives more classes than there are colours. Maps that use the
    same breaks share one scale, so their colours compare.
    """
    if max_count < 1:
        return [1]
    for ladder in _LADDERS:
        breaks = []
        power = 1
        while power <= max_count:
            breaks.extend(step * power for step in ladder if step * power <= max_count)
            power *= 10
        if len(breaks) <= len(CLASS_COLORS):
            return breaks
    return breaks[-len(CLASS_COLORS) :]


def class_colors(breaks: list[int]) -> list[str]:
    """Pick one colour per class, spread over the ramp from light to dark."""
    count = len(breaks)
    if count == 1:
        return [CLASS_COLORS[-1]]
    last = len(CLASS_COLORS) - 1
    return [CLASS_COLORS[round(index * last / (count - 1))] for index in range(count)]


def class_labels(breaks: list[int], max_count: int) -> list[str]:
    """Label each class with its range of counts, such as "2-4" or "50-73"."""
    labels = []
    for index, low in enumerate(breaks):
        high = breaks[index + 1] - 1 if index + 1 < len(breaks) else max_count
        labels.append(str(low) if high <= low else f"{low}\u2013{high}")
    return labels


def heatmap_payload(heatmap: HeatmapCells, breaks: list[int], labels: dict) -> dict:
    """Build the cells.js payload: rectangles from column and row numbers."""
    box = heatmap.box
    min_lon, min_lat, _, _ = box.bounds()
    return {
        "geometry": "grid",
        "size": box.size,
        "origin": [min_lon, min_lat],
        "cells": [list(cell) for cell in heatmap.cells],
        "fields": [{"index": 2, "label": labels["complaints"]}],
        "color": {"index": 2, "breaks": breaks, "colors": class_colors(breaks)},
        "heat": {"max": breaks[-1], "label": labels["heat"]},
        "layer": labels["cells"],
    }
