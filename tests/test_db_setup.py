"""`database_up`: idempotence, bad URLs and the SQL a DBA must run for a weak role."""

from __future__ import annotations

import dataclasses
import os
import secrets

import psycopg
import pytest
from alembic.script import ScriptDirectory
from psycopg import sql

from app import create_app
from app.config import settings_from_env
from app.dbsetup import DatabaseSetupError
from app.dbsetup import alembic_config
from app.dbsetup import database_up
from app.pgserver import with_database

# Nothing listens on the discard port of the loopback address.
UNREACHABLE_URL = "postgresql://postgres:s3cret-pw@127.0.0.1:9/peta_aduan"


def _admin(server_url: str) -> psycopg.Connection:
    return psycopg.connect(with_database(server_url, "postgres"), autocommit=True)


def _drop_database(server_url: str, name: str) -> None:
    with _admin(server_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


@pytest.fixture
def database_name(server_url):
    """A database name that does not exist yet; the database is dropped afterwards."""
    name = f"aduan_setup_{os.getpid()}_{secrets.token_hex(3)}"
    yield name
    _drop_database(server_url, name)


@pytest.fixture
def weak_role(server_url, database_name):
    """A login role that may neither create databases nor extensions."""
    role = f"aduan_weak_{secrets.token_hex(3)}"
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    yield role
    _drop_database(server_url, database_name)
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _as_role(server_url: str, role: str, database: str) -> str:
    """The server URL with another user and database."""
    scheme, rest = server_url.split("://", 1)
    host = rest.split("@", 1)[-1]
    return with_database(f"{scheme}://{role}@{host}", database)


def _setup_error(url: str) -> str:
    with pytest.raises(DatabaseSetupError) as caught:
        database_up(url)
    return str(caught.value)


def _schema_state(url: str) -> tuple:
    with psycopg.connect(url) as conn:
        versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        postgis = conn.execute(
            "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"
        ).fetchone()[0]
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'public'"
        ).fetchone()[0]
    return versions, postgis, tables


def test_database_up_twice_is_idempotent(server_url, database_name):
    url = with_database(server_url, database_name)
    database_up(url)
    first = _schema_state(url)
    database_up(url)
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert _schema_state(url) == first
    assert first[0] == [(head,)]
    assert first[1] == 1


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:5432",
        "postgresql://postgres@127.0.0.1:5432/",
        "postgresql://postgres@/?host=/var/run/postgresql",
    ],
)
def test_database_up_url_without_database_rejected(url):
    message = _setup_error(url)
    assert "names no database" in message
    assert "postgresql://user@host:5432/peta_aduan" in message


def test_database_up_unreachable_server_hides_password():
    message = _setup_error(UNREACHABLE_URL)
    assert message.startswith(
        "Cannot connect to PostgreSQL at postgresql://postgres:***@"
    )
    assert "s3cret-pw" not in message


def test_database_up_without_createdb_gives_sql(server_url, weak_role, database_name):
    message = _setup_error(_as_role(server_url, weak_role, database_name))
    assert (
        f'Ask a DBA to run: CREATE DATABASE "{database_name}" OWNER "{weak_role}";'
        in message
    )


def test_database_up_without_superuser_gives_extension_sql(
    server_url, weak_role, database_name
):
    with _admin(server_url) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(database_name), sql.Identifier(weak_role)
            )
        )
    message = _setup_error(_as_role(server_url, weak_role, database_name))
    assert message.startswith("Creating the postgis extension needs a superuser.")
    assert f'in database "{database_name}": CREATE EXTENSION postgis;' in message


def test_database_up_without_schema_rights_gives_sql(
    server_url, weak_role, database_name
):
    with _admin(server_url) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name))
        )
    with psycopg.connect(
        with_database(server_url, database_name), autocommit=True
    ) as conn:
        conn.execute("CREATE EXTENSION postgis")
    message = _setup_error(_as_role(server_url, weak_role, database_name))
    assert f"The user {weak_role} may not create tables" in message
    assert (
        f'in database "{database_name}": '
        f'GRANT CREATE ON SCHEMA public TO "{weak_role}";' in message
    )


def test_cli_locate_unreachable_database_error(tmp_path):
    from app.cli import cli
    from app.cli import locate  # noqa: F401 - registers the command

    settings = dataclasses.replace(
        settings_from_env(
            {"ADUAN_VAR_DIR": str(tmp_path), "SECRET_KEY": "test-secret"}
        ),
        database_url=UNREACHABLE_URL,
    )
    application = create_app(settings)
    result = application.test_cli_runner().invoke(cli, ["locate", "-6.17", "106.63"])
    application.extensions["aduan"].dispose()
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert len(lines) == 1
    assert lines[0].startswith("Error: The database cannot be reached")
    assert "s3cret-pw" not in result.output
