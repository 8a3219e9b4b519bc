"""`aduan locate`: the areas of points, computed by the same SQL as complaint intake."""

from __future__ import annotations

import json
import math
import sys

import click
from sqlalchemy.exc import OperationalError

from app.cli import cli
from app.cli import operator_errors
from app.locate import BATCH_SIZE
from app.locate import DEFAULT_UNCERTAINTY_M
from app.locate import current_version_id
from app.intake import coordinate_hint
from app.locate import locate_points
from app.services import services


def _print(obj: dict) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


HEADERS = ("lat,lon", "latitude,longitude")


def _check_range(lat: float, lon: float) -> str | None:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return f"lat {lat} and lon {lon} must be finite numbers"
    if not -90 <= lat <= 90:
        return f"lat {lat} is outside -90..90"
    if not -180 <= lon <= 180:
        return f"lon {lon} is outside -180..180"
    return None


@cli.command("locate", context_settings={"ignore_unknown_options": True})
@click.argument("lat", type=float, required=False)
@click.argument("lon", type=float, required=False)
@click.option("--csv", "csv_path", type=click.File("rb"),
              help="UTF-8 file of lat,lon lines ('-' for standard input), with an "
              "optional lat,lon header; prints one JSON line per line after the "
              "header, in order, and exits with status 1 if any line failed.")
@click.option("--accuracy-m", type=click.FloatRange(0, 5000), default=DEFAULT_UNCERTAINTY_M,
              show_default=True, help="Location uncertainty in metres; areas closer "
              "than this are listed in near_border.")
@operator_errors
def locate(lat, lon, csv_path, accuracy_m):
    """Print the kecamatan and kelurahan of LAT LON as one JSON object."""
    city = services().city
    if csv_path is not None:
        if lat is not None:
            raise click.UsageError("Give either LAT LON or --csv, not both.")
        failures = _with_database(_locate_csv, csv_path, city, accuracy_m)
        if failures:
            click.echo(f"{failures} lines could not be read; see their error objects.",
                       err=True)
            sys.exit(1)
        return
    if lat is None or lon is None:
        raise click.UsageError("Give LAT and LON, for example: aduan locate -6.17 106.63")
    problem = _check_range(lat, lon)
    if problem:
        hint = _with_database(_hint, city, lat, lon)
        raise click.UsageError(f"{problem}. {hint}" if hint else problem)
    location = _with_database(_locate_one, city, lat, lon, accuracy_m)
    _print(location.as_json(city))
    if location.outside:
        hint = _with_database(_hint, city, lat, lon)
        if hint:
            click.echo(hint, err=True)


def _hint(city, lat: float, lon: float) -> str | None:
    """Return the English hint when swapped or unsigned coordinates explain a point."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    with services().engine.connect() as conn:
        hint = coordinate_hint(conn, city, lat, lon)
    return hint[1] if hint else None


def _with_database(function, *args):
    """Run a database step, and turn an unreachable server into a one-line error."""
    try:
        return function(*args)
    except OperationalError as error:
        first_line = str(error.orig or error).strip().splitlines()[0]
        raise click.ClickException(
            f"The database cannot be reached ({first_line}). Start PostgreSQL, "
            "run `aduan db up`, or check DATABASE_URL."
        ) from error


def _locate_one(city, lat: float, lon: float, accuracy_m: float):
    with services().engine.connect() as conn:
        [location] = locate_points(conn, city, [(lon, lat)], near_radius_m=accuracy_m)
    return location


def _decode(raw: bytes, number: int) -> str | None:
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        return None


def _parse_line(line: str | None) -> tuple[float, float] | str:
    if line is None:
        return "the line is not UTF-8 text; save the file as UTF-8"
    if not line.strip():
        return "blank line; expected 'lat,lon'"
    parts = [part.strip() for part in line.split(",")]
    if len(parts) != 2:
        return f"expected 'lat,lon', got {line.strip()!r}"
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return f"not two numbers: {line.strip()!r}"
    return _check_range(lat, lon) or (lon, lat)


def _locate_csv(handle, city, accuracy_m: float) -> int:
    """Print one JSON line per input line; return how many lines failed."""
    failures = 0
    with services().engine.connect() as conn:
        version = current_version_id(conn, city)
        pending: list[tuple[int, object]] = []
        for number, raw in enumerate(handle, start=1):
            line = _decode(raw, number)
            header = line.strip().lower().replace(" ", "") if line else ""
            if number == 1 and header in HEADERS:
                continue
            pending.append((number, _parse_line(line)))
            if len(pending) >= BATCH_SIZE:
                failures += _flush(conn, city, version, pending, accuracy_m)
                pending = []
        failures += _flush(conn, city, version, pending, accuracy_m)
    return failures


def _flush(conn, city, version, pending, accuracy_m) -> int:
    points = [parsed for _, parsed in pending if isinstance(parsed, tuple)]
    located = iter(
        locate_points(conn, city, points, near_radius_m=accuracy_m, version=version)
    )
    failures = 0
    for number, parsed in pending:
        if isinstance(parsed, tuple):
            _print(next(located).as_json(city))
        else:
            failures += 1
            _print({"line": number, "error": parsed})
    return failures
