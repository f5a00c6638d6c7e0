"""Celery tasks for indexing; thin wrappers that take ids and open their own transaction."""

from __future__ import annotations

import uuid

from celery import shared_task

from matching.indexing.bulk import index_records
from models.db import make_engine, make_session_factory, transaction
from runtime.resources import resolve_database_url
from runtime.settings import get_settings


@shared_task(name="matching.index_records", acks_late=True, max_retries=5)
def index_records_task(kind: str, ids: list[str]) -> int:
    """Index a batch of vacancies or candidates; safe to retry (indexing replaces)."""
    settings = get_settings()
    engine = make_engine(resolve_database_url(settings), pool_size=1)
    try:
        with transaction(make_session_factory(engine)) as session:
            return index_records(
                session, kind, [uuid.UUID(i) for i in ids], settings.embedding_model
            )
    finally:
        engine.dispose()
