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


def test_owner_columns_state_their_distinct_share(connection: Connection) -> None:
    """ANALYZE's sample cannot count owners in tables of millions of rows (it took 12 M
    section rows for 41,077 owners), so migration 0011 states the share; without it a
    filter's exact scan is planned as a scan of the whole table."""
    options: dict[str, list[str]] = dict(
        connection.execute(
            text(
                "SELECT c.relname, a.attoptions FROM pg_attribute a"
                " JOIN pg_class c ON c.oid = a.attrelid"
                " WHERE a.attname = 'owner_id'"
                " AND c.relname IN ('section_embeddings', 'concept_mentions')"
            )
        ).all()
    )
    assert options == {
        "section_embeddings": ["n_distinct=-0.08"],
        "concept_mentions": ["n_distinct=-0.09"],
    }
