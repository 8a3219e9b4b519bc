"""Bring a database up to date: create it, enable PostGIS, run migrations."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql
from sqlalchemy.exc import ProgrammingError

from app.database import make_engine
from app.database import redact
from app.pgserver import with_database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseSetupError(Exception):
    """The database cannot be prepared; the message gives the command that fixes it."""


def database_up(url: str) -> None:
    """Create the database if missing, enable PostGIS and migrate to head. Idempotent."""
    log.info("preparing database %s", redact(url))
    ensure_database(url)
    ensure_postgis(url)
    migrate_to_head(url)
    log.info("database %s is at the latest migration", redact(url))


def _database_name(url: str) -> str:
    name = unquote(urlsplit(url).path.lstrip("/"))
    if not name:
        raise DatabaseSetupError(
            f"DATABASE_URL {redact(url)} names no database; add one, "
            "as in postgresql://user@host:5432/peta_aduan."
        )
    return name


def ensure_database(url: str) -> None:
    """Create the database named in the URL when it does not exist."""
    name = _database_name(url)
    try:
        with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists:
                return
            role = conn.execute("SELECT current_user").fetchone()[0]
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.InsufficientPrivilege as error:
                raise DatabaseSetupError(
                    f"The user {role} in DATABASE_URL may not create database {name}. "
                    f'Ask a DBA to run: CREATE DATABASE "{name}" OWNER "{role}";'
                ) from error
            log.info("created database %s", name)
    except psycopg.OperationalError as error:
        raise DatabaseSetupError(
            f"Cannot connect to PostgreSQL at {redact(url)}: {error}".strip()
        ) from error


def ensure_postgis(url: str) -> None:
    """Create the postgis extension, installing the Debian package when allowed."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            installed = conn.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'postgis'"
            ).fetchone()
            if installed:
                return
            available = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
            ).fetchone()
            major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    except psycopg.OperationalError as error:
        raise DatabaseSetupError(
            f"Cannot connect to database {redact(url)}: {error}".strip()
        ) from error

    if not available:
        _install_postgis_package(url, major)

    name = _database_name(url)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            log.info("created extension postgis in %s", name)
    except psycopg.errors.InsufficientPrivilege as error:
        raise DatabaseSetupError(
            f"Creating the postgis extension needs a superuser. Ask a DBA to run, "
            f'in database "{name}": CREATE EXTENSION postgis;'
        ) from error


def _install_postgis_package(url: str, major: int) -> None:
    package = f"postgresql-{major}-postgis-3"
    host = urlsplit(url).hostname or "localhost"
    local = host in ("localhost", "127.0.0.1", "::1") or host.startswith("/")
    can_install = local and os.geteuid() == 0 and shutil.which("apt-get") is not None
    if not can_install:
        raise DatabaseSetupError(
            f"PostGIS is not installed on the PostgreSQL {major} server. "
            f"Install it as root with: apt-get install -y {package}"
        )

    log.info("installing %s with apt-get", package)
    for attempt in ("install", "update-then-install"):
        if attempt == "update-then-install":
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False)
        result = subprocess.run(
            ["apt-get", "install", "-y", "-q", package],
            capture_output=True,
            text=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            check=False,
        )
        if result.returncode == 0:
            return
    raise DatabaseSetupError(
        f"apt-get could not install {package}: {result.stderr.strip()[-500:]}"
    )


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def migrate_to_head(url: str) -> None:
    """Run every pending migration in one connection.

    Raises:
        DatabaseSetupError: the user may not create tables in the database.
    """
    engine = make_engine(url)
    role = "in DATABASE_URL"
    try:
        with engine.connect() as connection:
            role = connection.exec_driver_sql("SELECT current_user").scalar()
            connection.commit()
            with connection.begin():
                config = alembic_config(url)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
    except ProgrammingError as error:
        if not isinstance(error.orig, psycopg.errors.InsufficientPrivilege):
            raise
        name = _database_name(url)
        raise DatabaseSetupError(
            f"The user {role} may not create tables in database {name} "
            f"({str(error.orig).splitlines()[0]}). Ask a DBA to run, in database "
            f'"{name}": GRANT CREATE ON SCHEMA public TO "{role}";'
        ) from error
    finally:
        engine.dispose()
