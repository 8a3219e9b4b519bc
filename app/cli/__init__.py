"""The `aduan` command: every operator task, as a Flask CLI group."""

from __future__ import annotations

import functools
import logging

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError

from app import create_app
from app.boundary_store import upsert_city
from app.config import ConfigError
from app.dbsetup import DatabaseSetupError
from app.dbsetup import database_up
from app.errors import ApiError
from app.pgserver import ServerError
from app.pgserver import find_or_start_server
from app.services import services
from geo.boundary_files import BoundaryFileError

log = logging.getLogger(__name__)

OPERATOR_ERRORS = (
    ConfigError, ServerError, DatabaseSetupError, BoundaryFileError, OperationalError,
)


def operator_errors(command):
    """Turn the project's expected errors into a one-line message and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except OPERATOR_ERRORS as error:
            log.error("%s failed: %s", command.__name__, error)
            raise click.ClickException(str(error)) from error
        except ApiError as error:
            log.error("%s failed: %s", command.__name__, error.code)
            raise click.ClickException(error.message_en) from error

    return wrapper


cli = FlaskGroup(
    create_app=lambda: create_app(),
    add_default_commands=True,
    add_version_option=False,
    help="Operate Peta Aduan: database, boundaries, configuration and complaints.",
)


@cli.group()
def db():
    """Database set-up."""


@db.command("up")
@operator_errors
def db_up():
    """Create the database if missing, enable PostGIS and migrate to the latest schema.

    Uses DATABASE_URL. Without it, a local PostgreSQL that accepts connections,
    else a private cluster in var/postgres. Safe to run again.
    """
    settings = services().settings
    url = settings.database_url or find_or_start_server(settings.var_dir)
    database_up(url)
    with services().new_session() as session:
        for city in services().cities.values():
            upsert_city(session, city)
        session.commit()
    click.echo("Database is ready.")


def main() -> None:
    """Entry point of the `aduan` console script."""
    from app.cli import boundaries  # noqa: F401 - registers commands
    from app.cli import extensions  # noqa: F401 - registers feature commands
    from app.cli import intake  # noqa: F401 - registers commands
    from app.cli import locate  # noqa: F401 - registers commands

    cli(prog_name="aduan")
