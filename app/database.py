"""Database URLs, the engine and the per-request session."""

from __future__ import annotations

import logging

from sqlalchemy import create_engine
from sqlalchemy.engine import URL
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from app.config import ConfigError

log = logging.getLogger(__name__)

_LIBPQ_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def sqlalchemy_url(database_url: str) -> URL:
    """Turn a libpq URL (postgresql://user@host:port/dbname) into a psycopg 3 URL.

    Raises:
        ConfigError: the URL is not a PostgreSQL URL.
    """
    try:
        url = make_url(database_url)
    except ArgumentError as error:
        raise ConfigError(
            f"DATABASE_URL {redact(database_url)!r} is invalid; "
            "use the form postgresql://user@host:5432/dbname."
        ) from error
    if url.drivername not in _LIBPQ_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL scheme {url.drivername!r} is not supported; "
            "use postgresql://user@host:5432/dbname."
        )
    return url.set(drivername="postgresql+psycopg")


def libpq_url(url: URL) -> str:
    """Render a URL in the libpq form that psql and psycopg.connect accept."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def redact(database_url: str) -> str:
    """Return the URL with any password replaced, for messages and logs."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def make_engine(database_url: str, **options) -> Engine:
    """Create the engine used by the app, the CLI and the tests."""
    url = sqlalchemy_url(database_url)
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
