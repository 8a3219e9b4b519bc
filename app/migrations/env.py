"""Alembic environment: runs migrations on the connection that app.dbsetup passes in."""

from __future__ import annotations

from alembic import context

from app.database import make_engine


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, transaction_per_migration=False)
        with context.begin_transaction():
            context.run_migrations()
        return

    engine = make_engine(context.config.attributes["database_url"])
    with engine.begin() as own_connection:
        context.configure(connection=own_connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `aduan db up`.")
run_migrations_online()
