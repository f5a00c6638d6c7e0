"""Helpers shared by the command-line modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from runtime.logging import configure_logging
from runtime.resources import resolve_database_url
from runtime.settings import Settings, get_settings


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def settings_for_cli() -> Settings:
    settings = get_settings()
    configure_logging(settings.log_level)
    return settings


@contextmanager
def open_session(settings: Settings) -> Iterator[Session]:
    """One transaction against the configured (or running embedded) database."""
    from models.db import make_engine, make_session_factory, transaction

    engine = make_engine(resolve_database_url(settings), pool_size=1)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
