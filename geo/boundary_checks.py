"""Check a set of boundary features before they are written: levels, codes, topology.

Errors stop a load; warnings (repaired geometries, children reaching outside their
parent, gaps and overlaps between neighbours) are reported and kept with the
boundary version. Areas are measured in a Lambert azimuthal equal-area projection
centred on the data, so figures are in square metres wherever the city lies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from typing import Sequence

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.strtree import STRtree
from shapely.validation import explain_validity

from geo.boundary_files import CODE_FIELDS
from geo.boundary_files import NAME_FIELDS
from geo.boundary_files import PARENT_FIELDS
from geo.boundary_files import RawFeature
from geo.projection import equal_area_transformer
from geo.projection import transform_geometry

log = logging.getLogger(__name__)

OUTLINE_LEVEL = "city"
# A child whose share outside its parent exceeds this is listed as a warning.
CHILD_OUTSIDE_WARN_PERCENT = 0.01
# Gaps and overlaps smaller than this are ignored as floating-point noise.
MIN_SLIVER_M2 = 0.01


@dataclass(frozen=True)
class LevelSpec:
    """An area level as the checks need it: its key and how many code parts it has."""

    key: str
    code_parts: int | None


@dataclass(frozen=True)
class FieldNames:
    """Property names to read, when the files do not use the usual ones."""

    code: str | None = None
    name: str | None = None
    parent: str | None = None


@dataclass
class AreaFeature:
    """A checked area, ready to be written."""

    level: str
    rank: int
    code: str
    name: str
    parent_code: str | None
    geometry: MultiPolygon
    area_m2: float
    where: str = ""


@dataclass
class BoundaryReport:
    """The checked areas, the errors that stop the load, and the warnings."""

    areas: list[AreaFeature]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_boundaries(
    features: Sequence[RawFeature],
    city_code: str,
    levels: Sequence[LevelSpec],
    *,
    level: str | None = None,
    fields: FieldNames = FieldNames(),
) -> BoundaryReport:
    """Decide each feature's level, repair invalid geometries and check the set.

    Args:
        features: features of every file in the load.
        city_code: official code of the city; a feature with this code is the outline.
        levels: the city's levels, largest first.
        level: force every feature to this level key instead of reading it from codes.
        fields: property names to use for code, name and parent code.
    """
    report = BoundaryReport(areas=[])
    equal_area = _equal_area_transformer(features)
    for feature in features:
        area = _to_area(feature, city_code, levels, level, fields, report)
        if area is not None:
            area.area_m2 = _area_m2(area.geometry, equal_area)
            report.areas.append(area)

    _check_codes(report)
    _check_level_presence(report, levels)
    if report.ok:
        _check_parents(report, equal_area)
        for rank, spec in enumerate(levels, start=1):
            _check_neighbours(report, spec.key, rank, equal_area)
    _count(report)
    return report


def _to_area(feature, city_code, levels, forced_level, fields, report) -> AreaFeature | None:
    properties = feature.properties
    where = f"{feature.source}, feature {feature.number}"
    code = _first_value(properties, (fields.code,) if fields.code else CODE_FIELDS)
    if code is None:
        wanted = fields.code or " or ".join(CODE_FIELDS)
        report.errors.append(f"{where} has no code (looked for {wanted}).")
        return None
    name = _first_value(properties, (fields.name,) if fields.name else NAME_FIELDS) or code
    where = f"{where} ({code} {name})"

    level_key, rank = _decide_level(code, city_code, levels, forced_level)
    if level_key is None:
        parts = code.count(".") + 1
        report.errors.append(
            f"{where}: the level of code {code!r} ({parts} parts) is unknown; "
            "give the level with --level."
        )
        return None

    parent = _first_value(properties, (fields.parent,) if fields.parent else PARENT_FIELDS)
    if parent is None and rank == 2 and "." in code:
        parent = code.rsplit(".", 1)[0]
    geometry = _repair(feature.geometry, where, report)
    if geometry is None:
        return None
    return AreaFeature(level_key, rank, code, str(name), parent, geometry, 0.0, where)


def _first_value(properties: dict, keys) -> str | None:
    for key in keys:
        value = properties.get(key)
        if value not in (None, ""):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).strip()
    return None


def _decide_level(code, city_code, levels, forced_level) -> tuple[str | None, int]:
    if code == city_code:
        return OUTLINE_LEVEL, 0
    if forced_level is not None:
        if forced_level == OUTLINE_LEVEL:
            return OUTLINE_LEVEL, 0
        for rank, spec in enumerate(levels, start=1):
            if spec.key == forced_level:
                return spec.key, rank
        return None, 0
    parts = code.count(".") + 1
    for rank, spec in enumerate(levels, start=1):
        if spec.code_parts == parts and code.startswith(city_code + "."):
            return spec.key, rank
    return None, 0


def _repair(geometry: MultiPolygon, where: str, report: BoundaryReport):
    if geometry is None or geometry.is_empty:
        report.errors.append(f"{where} has an empty geometry.")
        return None
    if geometry.is_valid:
        return geometry
    reason = explain_validity(geometry)
    repaired = shapely.make_valid(geometry)
    polygons = [
        part
        for part in shapely.get_parts(repaired)
        if isinstance(part, (Polygon, MultiPolygon)) and not part.is_empty
    ]
    flat = [p for part in polygons for p in shapely.get_parts(part)]
    if not flat:
        report.errors.append(f"{where} is invalid ({reason}) and could not be repaired.")
        return None
    report.warnings.append(f"{where} was invalid ({reason}); repaired with make_valid.")
    return MultiPolygon(flat)


def _check_codes(report: BoundaryReport) -> None:
    seen: dict[str, list[str]] = {}
    for area in report.areas:
        seen.setdefault(area.code, []).append(area.where or area.name)
    for code, places in sorted(seen.items()):
        if len(places) > 1:
            report.errors.append(
                f"Code {code} appears {len(places)} times ({'; '.join(places)}); "
                "codes must be unique, so fix or remove all but one."
            )


def _check_level_presence(report: BoundaryReport, levels: Sequence[LevelSpec]) -> None:
    if not report.areas and not report.errors:
        report.errors.append("No features were given; there is nothing to load.")
    present = {area.rank for area in report.areas}
    leaf_rank = len(levels)
    if report.areas and leaf_rank not in present:
        report.errors.append(
            f"No area of the smallest level ({levels[-1].key}) was loaded; "
            "complaints cannot be located without it."
        )
    if leaf_rank == 2 and 2 in present and 1 not in present:
        report.errors.append(
            f"Areas of level {levels[1].key} were given without their parents "
            f"({levels[0].key}); load both files together."
        )


def _equal_area_transformer(features: Sequence[RawFeature]) -> Transformer:
    geometries = [
        feature.geometry
        for feature in features
        if feature.geometry is not None and not feature.geometry.is_empty
    ]
    if not geometries:
        # Nothing can be measured, because every feature is empty and reported so.
        return equal_area_transformer(0.0, 0.0)
    west, south, east, north = shapely.total_bounds(geometries)
    return equal_area_transformer((west + east) / 2, (south + north) / 2)


def _project(geometry, transformer: Transformer):
    return transform_geometry(geometry, transformer)


def _area_m2(geometry, transformer: Transformer) -> float:
    return float(_project(geometry, transformer).area)


def _check_parents(report: BoundaryReport, transformer: Transformer) -> None:
    parents = {area.code: area for area in report.areas if area.rank == 1}
    children = [area for area in report.areas if area.rank == 2]
    shares = []
    for child in children:
        parent = parents.get(child.parent_code or "")
        if parent is None:
            report.errors.append(
                f"{child.where or child.code}: parent {child.parent_code!r} is not "
                "in the load; load the parent level's file with it, or fix the "
                "parent code."
            )
            continue
        outside = child.geometry.difference(parent.geometry)
        percent = 100.0 * _area_m2(outside, transformer) / max(child.area_m2, 1e-9)
        shares.append(percent)
        if percent > CHILD_OUTSIDE_WARN_PERCENT:
            report.warnings.append(
                f"{child.where or child.code}: {percent:.2f}% of its area lies outside "
                f"its parent {parent.code} {parent.name}."
            )
    if shares:
        report.figures["max_child_outside_parent_percent"] = round(max(shares), 4)


def _check_neighbours(report, level_key, rank, transformer) -> None:
    areas = [area for area in report.areas if area.rank == rank]
    if len(areas) < 2:
        return
    projected = [_project(area.geometry, transformer) for area in areas]
    overlaps = _overlaps(areas, projected)
    union = shapely.union_all(projected)
    holes = [
        Polygon(ring).area
        for part in shapely.get_parts(union)
        for ring in part.interiors
        if Polygon(ring).area >= MIN_SLIVER_M2
    ]

    figures = report.figures.setdefault(level_key, {})
    figures["count"] = len(areas)
    figures["overlap_pairs"] = len(overlaps)
    figures["overlap_m2"] = round(sum(m2 for _, _, m2 in overlaps), 1)
    figures["gap_count"] = len(holes)
    figures["gap_m2"] = round(sum(holes), 1)
    if overlaps:
        first, second, largest = max(overlaps, key=lambda item: item[2])
        report.warnings.append(
            f"{len(overlaps)} pairs of {level_key} overlap, {figures['overlap_m2']:.0f} m2 "
            f"in total; the largest is {largest:.0f} m2 between {first} and {second}."
        )
    if holes:
        report.warnings.append(
            f"{len(holes)} gaps between {level_key} polygons, {figures['gap_m2']:.0f} m2 "
            f"in total, the largest {max(holes):.0f} m2. Points in a gap go to the "
            "nearest area."
        )


def _overlaps(areas, projected) -> list[tuple[str, str, float]]:
    tree = STRtree(projected)
    found = []
    for index, geometry in enumerate(projected):
        for other in tree.query(geometry, predicate="intersects"):
            if other <= index:
                continue
            m2 = geometry.intersection(projected[other]).area
            if m2 >= MIN_SLIVER_M2:
                found.append((areas[index].code, areas[int(other)].code, m2))
    return found


def _count(report: BoundaryReport) -> None:
    ranks: dict[str, int] = {}
    for area in report.areas:
        ranks[area.level] = ranks.get(area.level, 0) + 1
    report.figures["areas"] = ranks


def derive_outline(areas: Sequence[AreaFeature]) -> MultiPolygon:
    """Build a city outline from the first-level areas, with slivers between them filled."""
    top_rank = min(area.rank for area in areas if area.rank > 0)
    union = shapely.union_all([area.geometry for area in areas if area.rank == top_rank])
    shells = [Polygon(part.exterior) for part in shapely.get_parts(union)]
    return MultiPolygon(shells)
