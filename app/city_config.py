"""Load the city's OPDs and complaint categories from data/opd.csv and data/categories.csv."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.config import City
from app.config import ConfigError
from app.models import Category
from app.models import Opd

log = logging.getLogger(__name__)

OPD_COLUMNS = ("code", "name", "short_name", "kind", "kecamatan_code")
CATEGORY_COLUMNS = (
    "code", "group", "name_id", "name_en", "opd_code", "route_to_kecamatan",
    "sla_working_days", "location_required", "private_by_nature",
)
_BOOLEANS = {"true": True, "false": False}


@dataclass
class ConfigLoadResult:
    """How many OPDs and categories a load wrote, and how many it deactivated."""

    opds: int
    categories: int
    deactivated: int


def _read_rows(path: Path, columns: tuple[str, ...]) -> list[dict]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(line for line in handle if not line.startswith("#"))
            missing = [column for column in columns if column not in (reader.fieldnames or [])]
            if missing:
                raise ConfigError(f"{path} lacks the columns {', '.join(missing)}.")
            return [dict(row, _line=number) for number, row in enumerate(reader, start=2)]
    except FileNotFoundError as error:
        raise ConfigError(f"{path} not found; the city configuration needs it.") from error


def _boolean(row: dict, column: str, path: Path) -> bool:
    value = (row.get(column) or "").strip().lower()
    if value not in _BOOLEANS:
        raise ConfigError(
            f"{path}, line {row['_line']}: {column}={row.get(column)!r} is invalid; "
            "write true or false."
        )
    return _BOOLEANS[value]


def _positive_int(row: dict, column: str, path: Path) -> int:
    raw = (row.get(column) or "").strip()
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigError(
            f"{path}, line {row['_line']}: {column}={raw!r} is invalid; "
            "give a whole number of working days above 0."
        )
    return int(raw)


def load_city_config(session: Session, city: City, data_dir: Path) -> ConfigLoadResult:
    """Insert or update every OPD and category; deactivate categories no longer listed.

    Idempotent: loading the same files again changes nothing. Runs in the
    caller's transaction, so a bad row leaves the previous configuration.
    """
    opd_path = data_dir / "opd.csv"
    category_path = data_dir / "categories.csv"
    opd_rows = _read_rows(opd_path, OPD_COLUMNS)
    category_rows = _read_rows(category_path, CATEGORY_COLUMNS)

    for row in opd_rows:
        values = {
            "city_code": city.code,
            "code": row["code"].strip(),
            "name": row["name"].strip(),
            "short_name": row["short_name"].strip(),
            "kind": (row.get("kind") or "").strip() or None,
            "kecamatan_code": (row.get("kecamatan_code") or "").strip() or None,
            "active": True,
        }
        statement = insert(Opd).values(**values)
        session.execute(statement.on_conflict_do_update(
            index_elements=[Opd.city_code, Opd.code], set_=values))

    opd_ids = dict(session.execute(
        select(Opd.code, Opd.id).where(Opd.city_code == city.code)).all())
    listed = set()
    for row in category_rows:
        values = _category_values(row, city, opd_ids, category_path)
        listed.add(values["code"])
        statement = insert(Category).values(**values)
        session.execute(statement.on_conflict_do_update(
            index_elements=[Category.city_code, Category.code], set_=values))

    deactivated = session.execute(
        update(Category)
        .where(Category.city_code == city.code, Category.code.not_in(listed), Category.active)
        .values(active=False)
    ).rowcount
    log.info("city %s configuration: %d OPDs, %d categories, %d deactivated",
             city.code, len(opd_rows), len(category_rows), deactivated)
    return ConfigLoadResult(len(opd_rows), len(category_rows), deactivated)


def _category_values(row: dict, city: City, opd_ids: dict, path: Path) -> dict:
    opd_code = row["opd_code"].strip()
    if opd_code not in opd_ids:
        raise ConfigError(
            f"{path}, line {row['_line']}: opd_code {opd_code!r} is not in opd.csv."
        )
    return {
        "city_code": city.code,
        "code": row["code"].strip(),
        "group_code": row["group"].strip(),
        "name_id": row["name_id"].strip(),
        "name_en": row["name_en"].strip(),
        "opd_id": opd_ids[opd_code],
        "route_to_kecamatan": _boolean(row, "route_to_kecamatan", path),
        "sla_working_days": _positive_int(row, "sla_working_days", path),
        "location_required": _boolean(row, "location_required", path),
        "private_by_nature": _boolean(row, "private_by_nature", path),
        "active": True,
    }
