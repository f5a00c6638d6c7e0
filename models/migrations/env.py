"""Alembic environment: runs against the connection handed in by ``runtime.migrate`` or,
for the ``alembic`` command line, against the URL the settings resolve to."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from models import Base
from runtime.migrate import include_object

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        transaction_per_migration=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from models.db import make_engine
    from runtime.resources import resolve_database_url
    from runtime.settings import get_settings

    engine = make_engine(resolve_database_url(get_settings()), pool_size=1)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `talentmesh migrate`")
run_migrations_online()
