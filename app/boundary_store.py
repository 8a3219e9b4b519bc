"""Write checked boundaries as a new boundary version and make it current."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from geoalchemy2.shape import from_shape
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.config import City
from app.models import Area
from app.models import BoundaryVersion
from app.models import City as CityRow
from geo.boundary_checks import OUTLINE_LEVEL
from geo.boundary_checks import AreaFeature
from geo.boundary_checks import BoundaryReport
from geo.boundary_checks import derive_outline
from geo.boundary_files import BoundaryFile

log = logging.getLogger(__name__)


@dataclass
class LoadResult:
    """The outcome of a boundary load: the version, whether it is new, area counts."""

    version_id: int
    created: bool
    area_counts: dict


def upsert_city(session: Session, city: City) -> None:
    """Insert or refresh the city's row from its configuration record."""
    levels = [level.__dict__ for level in city.levels]
    statement = insert(CityRow).values(
        code=city.code, name=city.name, timezone=city.timezone, levels=levels
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[CityRow.code],
            set_={"name": city.name, "timezone": city.timezone, "levels": levels},
        )
    )


def sources_checksum(
    files: Sequence[BoundaryFile], areas: Sequence[AreaFeature] = ()
) -> str:
    """Compute one checksum over the files' contents, independent of their order.

    With areas, their level, code, name and parent code count too, so the same
    files read with other --level or field options make a new version.
    """
    digest = hashlib.sha256()
    for sha in sorted(file.sha256 for file in files):
        digest.update(sha.encode("ascii"))
    identities = sorted(
        (area.level, area.code, area.name, area.parent_code or "") for area in areas
    )
    if identities:
        digest.update(json.dumps(identities, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def store_boundaries(
    session: Session,
    city: City,
    files: Sequence[BoundaryFile],
    report: BoundaryReport,
    *,
    force: bool = False,
) -> LoadResult:
    """Add a boundary version with the report's areas and make it current.

    Runs in the caller's transaction, so a failure leaves the previous version
    current. Loading files identical to the current version's changes nothing
    unless `force` is set.
    """
    upsert_city(session, city)
    checksum = sources_checksum(files, report.areas)
    current = find_current_version(session, city.code)
    if current is not None and current.checksum == checksum and not force:
        log.info("boundaries of %s unchanged (version %d)", city.code, current.id)
        counts = dict(report.figures.get("areas", {}))
        return LoadResult(current.id, False, counts)

    areas = list(report.areas)
    if not any(area.rank == 0 for area in areas):
        outline = derive_outline(areas)
        top_m2 = sum(area.area_m2 for area in areas if area.rank == 1)
        areas.append(
            AreaFeature(OUTLINE_LEVEL, 0, city.code, city.name, None, outline, top_m2)
        )
        report.warnings.append("No city outline was given; it was derived from the areas.")

    version = BoundaryVersion(
        city_code=city.code,
        sources=[_describe(file) for file in files],
        checksum=checksum,
        report={"warnings": report.warnings, "figures": report.figures},
        is_current=False,
    )
    session.add(version)
    session.flush()
    session.add_all(_area_row(version, city, area) for area in areas)

    session.execute(
        update(BoundaryVersion)
        .where(BoundaryVersion.city_code == city.code, BoundaryVersion.is_current)
        .values(is_current=False)
    )
    session.flush()
    version.is_current = True
    session.flush()
    counts = {}
    for area in areas:
        counts[area.level] = counts.get(area.level, 0) + 1
    log.info("boundary version %d of %s is current: %s", version.id, city.code, counts)
    return LoadResult(version.id, True, counts)


def _describe(file: BoundaryFile) -> dict:
    return {
        "file": Path(file.path).name,
        "sha256": file.sha256,
        "crs": file.crs,
        "features": len(file.features),
    }


def _area_row(version: BoundaryVersion, city: City, area: AreaFeature) -> Area:
    return Area(
        boundary_version_id=version.id,
        city_code=city.code,
        level=area.level,
        rank=area.rank,
        code=area.code,
        name=area.name,
        parent_code=area.parent_code,
        area_m2=area.area_m2,
        geom=from_shape(area.geometry, srid=4326),
    )


def find_current_version(session: Session, city_code: str) -> BoundaryVersion | None:
    """Return the city's current boundary version, or None before the first load."""
    return session.scalars(
        select(BoundaryVersion).where(
            BoundaryVersion.city_code == city_code, BoundaryVersion.is_current
        )
    ).one_or_none()


def report_as_json(report: BoundaryReport) -> str:
    """Render a report for the CLI."""
    return json.dumps(
        {"errors": report.errors, "warnings": report.warnings, "figures": report.figures},
        indent=2,
        ensure_ascii=False,
    )
