"""The application's shared resources: settings, cities and the database engine."""

from __future__ import annotations

import logging
import threading

from flask import current_app
from flask import g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.config import City
from app.config import ConfigError
from app.config import Settings
from app.database import make_engine
from app.database import make_session_factory
from app.database import redact
from app.pgserver import LOCAL_CANDIDATES
from app.pgserver import DEFAULT_DATABASE
from app.pgserver import server_answers
from app.pgserver import with_database

log = logging.getLogger(__name__)


class Services:
    """Created once per application; the engine is made on first use."""

    def __init__(self, settings: Settings, cities: dict[str, City]) -> None:
        if settings.default_city not in cities:
            known = ", ".join(sorted(cities))
            raise ConfigError(
                f"ADUAN_CITY={settings.default_city!r} is not in "
                f"{settings.cities_file}; known cities: {known}."
            )
        self.settings = settings
        self.cities = cities
        self._engine: Engine | None = None
        self._sessions = None
        self._lock = threading.Lock()

    @property
    def city(self) -> City:
        """The city that requests without an explicit city refer to."""
        return self.cities[self.settings.default_city]

    def database_url(self) -> str:
        """DATABASE_URL, else the URL `aduan db up` remembered, else a local server."""
        if self.settings.database_url:
            return self.settings.database_url
        remembered = self.settings.var_dir / "database-url"
        if remembered.exists():
            return remembered.read_text(encoding="utf-8").strip()
        for candidate in LOCAL_CANDIDATES:
            if server_answers(candidate):
                return with_database(candidate, DEFAULT_DATABASE)
        raise ConfigError(
            "No database is configured and no local PostgreSQL accepts connections. "
            "Run `aduan db up` or set DATABASE_URL."
        )

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                url = self.database_url()
                self._engine = make_engine(url, pool_size=10, max_overflow=10)
                self._sessions = make_session_factory(self._engine)
                log.info("database engine for %s", redact(url))
        return self._engine

    def new_session(self) -> Session:
        """Open a session outside any request, for the CLI and background work."""
        self.engine  # noqa: B018 - creates the session factory on first use
        return self._sessions()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def services() -> Services:
    """Return the current application's services."""
    return current_app.extensions["aduan"]


def db_session() -> Session:
    """Return the request's session; teardown closes it, rolling back uncommitted work."""
    if "db_session" not in g:
        g.db_session = services().new_session()
    return g.db_session


def close_db_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
