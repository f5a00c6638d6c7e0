"""The migrations and the models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from models import Base
from runtime.migrate import alembic_config, include_object


def test_models_match_migrations(connection: Connection) -> None:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    assert compare_metadata(context, Base.metadata) == []


def test_database_is_at_head_with_pgvector(connection: Connection) -> None:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert current == head
    version = connection.execute(
        text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
    ).scalar_one()
    assert version.startswith("0.8")


def test_migration_files_are_dated() -> None:
    import re

    from runtime.migrate import MIGRATIONS_DIR

    names = [p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py")]
    assert names
    assert all(re.match(r"\d{4}_\d{2}_\d{2}_\d{4}-\w+\.py$", name) for name in names)
