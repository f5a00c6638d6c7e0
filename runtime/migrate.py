"""Bring a database schema to the newest migration."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "models" / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade_to_head(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the per-model HNSW indexes out of autogenerate: they are created at start-up for
    the configured model (matching/embeddings/store.py), not by migrations."""
    prefixes = ("ix_section_embeddings_ann_", "ix_section_embeddings_hnsw_")
    return not (type_ == "index" and (name or "").startswith(prefixes))
