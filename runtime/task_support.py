"""What task wrappers share: one engine per worker process and the unit of work that
commits a task's changes and then hands over the jobs it enqueued."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_session_factory
from runtime.outbox import unit_of_work
from runtime.resources import resolve_database_url
from runtime.settings import get_settings


@cache
def task_session_factory() -> sessionmaker[Session]:
    # Created lazily in the process that runs tasks (after the prefork), never shared.
    engine = make_engine(resolve_database_url(get_settings()), pool_size=2)
    return make_session_factory(engine)


@contextmanager
def task_transaction(celery: Celery) -> Iterator[Session]:
    with unit_of_work(task_session_factory(), celery) as session:
        yield session
