"""Fixtures: a real PostGIS database per test session, the app, boundaries and config.

The session creates a database with a unique name on the server that DATABASE_URL
(or ADUAN_TEST_SERVER_URL) names, or on a local server found or started the way
`aduan db up` does, and drops it at the end.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from app import create_app
from app.config import PROJECT_ROOT
from app.config import settings_from_env
from app.dbsetup import database_up
from app.pgserver import find_or_start_server
from app.pgserver import with_database

COMPLAINT_TABLES = (
    "idempotency_key, complaint_supporter, complaint_photo, complaint_event, "
    "complaint_contact, complaint, tracking_counter"
)


# The development copy of the real data sits in a folder beside the repository.
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def _first_folder_with(pattern: str, *folders) -> Path | None:
    for folder in folders:
        if folder and any(Path(folder).glob(pattern)):
            return Path(folder)
    return None


def boundary_dir() -> Path:
    """Folder with the real Kota Tangerang boundaries: kota, kecamatan and kelurahan."""
    folder = _first_folder_with(
        "*.geojson",
        os.environ.get("ADUAN_BOUNDARY_DIR"),
        PROJECT_ROOT / "data" / "boundaries",
        SHARED_DATA / "boundaries",
    )
    if folder is None:
        pytest.fail(
            "No boundary files found. Set ADUAN_BOUNDARY_DIR to the folder with "
            "kota.geojson, kecamatan.geojson and kelurahan.geojson."
        )
    return folder


def real311_dir() -> Path | None:
    """Folder with the real 311 data sets (boston/), or None."""
    return _first_folder_with(
        "*/SOURCE.md", os.environ.get("ADUAN_REAL311_DIR"), SHARED_DATA / "real311"
    )


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> str:
    explicit = os.environ.get("ADUAN_TEST_SERVER_URL") or os.environ.get("DATABASE_URL")
    if explicit:
        return explicit
    return find_or_start_server(PROJECT_ROOT / "var")


@pytest.fixture(scope="session")
def database_url(server_url) -> str:
    name = f"aduan_test_{os.getpid()}_{secrets.token_hex(3)}"
    url = with_database(server_url, name)
    database_up(url)
    yield url
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("var")
    settings = dataclasses.replace(
        settings_from_env({"ADUAN_VAR_DIR": str(var_dir), "SECRET_KEY": "test-secret"}),
        database_url=database_url,
    )
    application = create_app(settings)
    application.config.update(TESTING=True)
    yield application
    application.extensions["aduan"].dispose()


@pytest.fixture(scope="session")
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def loaded_city(app, runner):
    """The real boundaries of Kota Tangerang, loaded once per session."""
    from app.cli import cli  # noqa: F401
    from app.cli import boundaries  # noqa: F401
    from app.cli import extensions  # noqa: F401
    from app.cli import intake  # noqa: F401
    from app.cli import locate  # noqa: F401
    from app.cli import cli as group

    result = runner.invoke(group, ["db", "up"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(group, ["boundaries", "load", str(boundary_dir())])
    assert result.exit_code == 0, result.output
    if "config" in group.commands:
        result = runner.invoke(group, ["config", "load"])
        assert result.exit_code == 0, result.output
    return app.extensions["aduan"].city


@pytest.fixture
def client(app, loaded_city):
    return app.test_client()


@pytest.fixture
def engine(app):
    return app.extensions["aduan"].engine


@pytest.fixture
def clean_complaints(engine, loaded_city):
    """Start the test with no complaints; config and boundaries stay."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {COMPLAINT_TABLES} RESTART IDENTITY CASCADE")
    yield
