"""Load service-area polygons: where another OPD than the category's default acts."""

from __future__ import annotations

import logging
from pathlib import Path

import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.config import City
from app.config import ConfigError
from app.models import Category
from app.models import Opd
from app.models import ServiceArea
from geo.boundary_files import read_boundary_file

log = logging.getLogger(__name__)


def _repair(geometry: MultiPolygon) -> MultiPolygon:
    if geometry.is_valid:
        return geometry
    parts = [part for part in shapely.get_parts(shapely.make_valid(geometry))
             if part.geom_type in ("Polygon", "MultiPolygon")]
    return MultiPolygon([p for part in parts for p in shapely.get_parts(part)])


def load_service_areas(session: Session, city: City, path: Path, *,
                       replace: bool = False) -> int:
    """Insert or update each feature by its code; with replace, deactivate the rest.

    Properties: code, name, opd_code, optional category_code (empty = every
    category) and priority (integer, higher wins; default 0). Polygons may have
    holes and several parts. Runs in the caller's transaction.
    """
    boundary_file = read_boundary_file(path)
    opds = dict(session.execute(
        select(Opd.code, Opd.id).where(Opd.city_code == city.code)).all())
    categories = dict(session.execute(
        select(Category.code, Category.id).where(Category.city_code == city.code)).all())
    codes = []
    for feature in boundary_file.features:
        values = _values(feature, city, opds, categories, path)
        codes.append(values["code"])
        statement = insert(ServiceArea).values(**values)
        session.execute(statement.on_conflict_do_update(
            index_elements=[ServiceArea.city_code, ServiceArea.code], set_=values))
    if len(set(codes)) != len(codes):
        raise ConfigError(f"{path}: service-area codes must be unique.")
    if replace:
        session.execute(update(ServiceArea).where(
            ServiceArea.city_code == city.code, ServiceArea.code.not_in(codes)
        ).values(active=False))
    log.info("loaded %d service areas for %s from %s", len(codes), city.code, path.name)
    return len(codes)


def _values(feature, city, opds, categories, path) -> dict:
    properties = feature.properties
    where = f"{path}, feature {feature.number}"
    code = str(properties.get("code") or "").strip()
    if not code:
        raise ConfigError(f"{where} has no code.")
    opd_code = str(properties.get("opd_code") or "").strip()
    if opd_code not in opds:
        raise ConfigError(f"{where} ({code}): opd_code {opd_code!r} is not a known OPD.")
    category_code = str(properties.get("category_code") or "").strip()
    if category_code and category_code not in categories:
        raise ConfigError(f"{where} ({code}): category_code {category_code!r} is unknown.")
    try:
        priority = int(properties.get("priority") or 0)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} ({code}): priority must be a whole number.") from None
    geometry = _repair(feature.geometry)
    if geometry.is_empty:
        raise ConfigError(f"{where} ({code}) has an empty geometry.")
    return {
        "city_code": city.code,
        "code": code,
        "name": str(properties.get("name") or code),
        "opd_id": opds[opd_code],
        "category_id": categories.get(category_code) if category_code else None,
        "priority": priority,
        "source": path.name,
        "active": True,
        "geom": from_shape(geometry, srid=4326),
    }
