"""`aduan config load`, `aduan service-areas load` and `aduan complaints` commands."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from app.area_resolution import resolve_near_border
from app.city_config import load_city_config
from app.cli import cli
from app.cli import operator_errors
from app.models import Complaint
from app.service_areas import load_service_areas
from app.services import services
from app.status import Actor
from app.status import change_status
from app.status import reroute


@cli.group("config")
def config_group():
    """Manage the city's OPDs and complaint categories."""


@config_group.command("load")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder with opd.csv and categories.csv (default: ADUAN_DATA_DIR).")
@operator_errors
def config_load(data_dir):
    """Apply data/opd.csv and data/categories.csv to the database. Idempotent."""
    city = services().city
    with services().new_session() as session:
        result = load_city_config(session, city, data_dir or services().settings.data_dir)
        session.commit()
    click.echo(f"Configuration of {city.name}: {result.opds} OPDs, {result.categories} "
               f"categories, {result.deactivated} categories deactivated.")


@cli.group("service-areas")
def service_areas_group():
    """Polygons where another OPD than the category's default acts."""


@service_areas_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Deactivate service areas not in the file.")
@operator_errors
def service_areas_load(path, replace):
    """Load service areas from a GeoJSON, GeoPackage or Shapefile.

    Each feature needs code, name and opd_code; category_code and priority
    (higher wins) are optional.
    """
    city = services().city
    with services().new_session() as session:
        count = load_service_areas(session, city, path, replace=replace)
        session.commit()
    click.echo(f"Loaded {count} service areas.")


@cli.group("complaints")
def complaints_group():
    """Work on complaints from the command line."""


def _complaint_id(session, tracking_code: str) -> int:
    complaint_id = session.scalar(
        select(Complaint.id).where(Complaint.tracking_code == tracking_code.strip().upper()))
    if complaint_id is None:
        raise click.ClickException(f"Complaint {tracking_code} not found.")
    return complaint_id


def _operator(label: str | None) -> Actor:
    return Actor(kind="staff", label=label or "cli")


@complaints_group.command("set-status")
@click.argument("tracking_code")
@click.argument("status", type=click.Choice(["menunggu", "proses", "selesai", "ditolak"]))
@click.option("--note", help="Reason or progress note (required for ditolak and reopening).")
@click.option("--actor", help="Name of the operator, kept in the history.")
@operator_errors
def set_status(tracking_code, status, note, actor):
    """Change the status of a complaint and record it in its history."""
    with services().new_session() as session:
        event = change_status(session, _complaint_id(session, tracking_code), status,
                              actor=_operator(actor), note=note)
        session.commit()
    click.echo(f"{tracking_code}: {event.from_status} -> {event.to_status}")


@complaints_group.command("resolve-area")
@click.argument("tracking_code")
@click.argument("area_code")
@click.option("--actor", help="Name of the operator, kept in the history.")
@operator_errors
def resolve_area(tracking_code, area_code, actor):
    """Settle a near-border complaint on one of its candidate kelurahan."""
    with services().new_session() as session:
        resolve_near_border(session, _complaint_id(session, tracking_code), area_code,
                            actor=_operator(actor))
        session.commit()
    click.echo(f"{tracking_code}: kelurahan set to {area_code}.")


@complaints_group.command("reroute")
@click.argument("tracking_code")
@click.argument("opd_code")
@click.option("--reason", required=True, help="Why the complaint goes to another OPD.")
@click.option("--actor", help="Name of the operator, kept in the history.")
@operator_errors
def reroute_command(tracking_code, opd_code, reason, actor):
    """Hand an open complaint to another OPD."""
    with services().new_session() as session:
        reroute(session, _complaint_id(session, tracking_code), opd_code,
                actor=_operator(actor), reason=reason)
        session.commit()
    click.echo(f"{tracking_code} re-routed to {opd_code}.")

