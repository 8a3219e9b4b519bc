"""`aduan boundaries load`: check boundary files and make them the current version."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from sqlalchemy import text

from app.boundary_store import report_as_json
from app.boundary_store import store_boundaries
from app.cli import cli
from app.cli import operator_errors
from app.config import ConfigError
from app.services import services
from geo.boundary_checks import OUTLINE_LEVEL
from geo.boundary_checks import FieldNames
from geo.boundary_checks import LevelSpec
from geo.boundary_checks import check_boundaries
from geo.boundary_files import BoundaryFileError
from geo.boundary_files import read_boundary_file

log = logging.getLogger(__name__)

BOUNDARY_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")


@cli.group()
def boundaries():
    """Administrative boundaries (kecamatan, kelurahan, city outline)."""


def expand_paths(paths: tuple[str, ...]) -> list[Path]:
    """Files as given, and for a folder every boundary file directly inside it."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in BOUNDARY_SUFFIXES)
            if not found:
                raise BoundaryFileError(
                    f"Folder {path} has no boundary file "
                    f"({', '.join(BOUNDARY_SUFFIXES)}); see data/boundaries/README.md."
                )
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise BoundaryFileError(f"Boundary file {path} not found.")
    return files


@boundaries.command("load")
@click.argument("paths", nargs=-1, required=True)
@click.option("--city", "city_code", help="City code from data/cities.toml (default: ADUAN_CITY).")
@click.option("--level", help="Level of every feature (a level key, or 'city' for the "
              "outline) when the codes do not show it.")
@click.option("--code-field", help="Property with the official code (default: code, kode, ...).")
@click.option("--name-field", help="Property with the name (default: name, nama, ...).")
@click.option("--parent-field", help="Property with the parent's code (default: "
              "parent_code, or the code without its last part).")
@click.option("--dry-run", is_flag=True, help="Check and report, write nothing.")
@click.option("--force", is_flag=True, help="Add a new version even if the files are "
              "identical to the current one.")
@click.option("--allow-fewer-areas", is_flag=True, help="Accept a version with fewer "
              "areas of some level than the current one (by default that is refused, "
              "because a partial file set would leave parts of the city unmapped).")
@operator_errors
def load(paths, city_code, level, code_field, name_field, parent_field, dry_run, force,
         allow_fewer_areas):
    """Check boundary files (GeoJSON, GeoPackage, Shapefile) and load them.

    PATHS are files or folders. The load adds a new boundary version and makes it
    current in one transaction, or changes nothing.
    """
    city = _city(city_code)
    _check_level_option(city, level)
    files = [read_boundary_file(path) for path in expand_paths(paths)]
    features = [feature for file in files for feature in file.features]
    report = check_boundaries(
        features,
        city.code,
        [LevelSpec(level.key, level.code_parts) for level in city.levels],
        level=level,
        fields=FieldNames(code_field, name_field, parent_field),
    )
    if not report.ok:
        _stop_on_errors(report.errors)
    click.echo(report_as_json(report), err=True)
    if dry_run:
        click.echo("Dry run: the files are valid; nothing was written.")
        return

    with services().new_session() as session:
        if not allow_fewer_areas:
            _refuse_fewer_areas(session, city, report)
        result = store_boundaries(session, city, files, report, force=force)
        session.commit()
        # Fresh statistics let the planner choose the GiST index for point queries.
        session.execute(text("ANALYZE area"))
        session.commit()
    state = "loaded as" if result.created else "unchanged, still"
    click.echo(f"Boundaries of {city.name} {state} version {result.version_id}: "
               f"{result.area_counts}")


def _refuse_fewer_areas(session, city, report) -> None:
    """Stop when a level would lose areas against the current version."""
    current = dict(session.execute(text(
        "SELECT a.level, count(*) FROM area a JOIN boundary_version v "
        "ON v.id = a.boundary_version_id WHERE v.city_code = :city AND v.is_current "
        "AND a.rank > 0 GROUP BY a.level"), {"city": city.code}).all())
    loaded = report.figures.get("areas", {})
    shrunk = {level: (count, loaded.get(level, 0)) for level, count in current.items()
              if loaded.get(level, 0) < count}
    if shrunk:
        details = ", ".join(f"{level} {new} instead of {old}"
                            for level, (old, new) in sorted(shrunk.items()))
        raise click.ClickException(
            f"The files have fewer areas than the current boundaries ({details}); "
            "nothing was loaded. Load the complete set, or give --allow-fewer-areas "
            "if the city really has fewer areas now."
        )


def _check_level_option(city, level: str | None) -> None:
    known = [OUTLINE_LEVEL] + [spec.key for spec in city.levels]
    if level is not None and level not in known:
        raise click.BadParameter(
            f"{level!r} is not a level of {city.name}; use one of {', '.join(known)}.",
            param_hint="--level",
        )


def _stop_on_errors(errors: list[str]) -> None:
    """Print each error on its own line and exit 1, naming the first in the summary."""
    if len(errors) == 1:
        raise click.ClickException(
            f"The boundary files are invalid; nothing was loaded. {errors[0]}"
        )
    for error in errors:
        click.echo(error, err=True)
    raise click.ClickException(
        f"{len(errors)} errors in the boundary files (listed above); nothing was "
        f"loaded. First: {errors[0]}"
    )


def _city(city_code: str | None):
    cities = services().cities
    code = city_code or services().settings.default_city
    if code not in cities:
        raise ConfigError(f"City {code!r} is not configured; known: {', '.join(cities)}.")
    return cities[code]
